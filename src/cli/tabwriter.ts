/**
 * Go's text/tabwriter as kubectl configures it (space padding, no flags), so tables and
 * `describe` align exactly as kubectl's do. Cells are tab-terminated: the text after a line's
 * last tab is not part of any column. A column's width is decided per block of consecutive
 * lines that have that column, which is why a line without tabs restarts alignment.
 */
export interface TabwriterOptions {
  /** Minimal cell width, padding included. */
  minWidth: number;
  /** Spaces added to the widest cell of a column. */
  padding: number;
}

/** kubectl get: printers.GetNewTabWriter. */
export const TABLE_TABWRITER: TabwriterOptions = { minWidth: 6, padding: 3 };
/** kubectl describe: tabbedString. */
export const DESCRIBE_TABWRITER: TabwriterOptions = { minWidth: 0, padding: 2 };

function width(s: string): number {
  // Go counts runes; code points are the closest JavaScript equivalent.
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function tabulate(text: string, opts: TabwriterOptions): string {
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      out.push(cells.map((c, j) => (j < widths.length ? c + ' '.repeat(Math.max(0, widths[j]! - width(c))) : c)).join(''));
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let pos = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(pos, i);
      let w = opts.minWidth;
      let end = i;
      for (; end < line1 && column < lines[end]!.length - 1; end++) {
        w = Math.max(w, width(lines[end]![column]!) + opts.padding);
      }
      widths.push(w);
      format(i, end);
      widths.pop();
      pos = end;
      i = end;
    }
    writeLines(pos, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/** kubectl's terminal escaping: cluster data must not drive the user's terminal. */
export function escapeTerminal(s: string): string {
  return s.replace(/\x1b/g, '^[').replace(/\r/g, '\\r');
}
