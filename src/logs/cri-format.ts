/**
 * The CRI container log format the runtime writes, one entry per line:
 *   <RFC3339Nano time> <stdout|stderr> <tags> <text>
 * where tags is "F" for a full line or "P" for a partial one (a long line the runtime split;
 * later entries of the same stream continue it up to the next "F").
 */
export type LogStream = 'stdout' | 'stderr';

export interface CriLogEntry {
  /** The time as written, printed back unchanged by --timestamps. */
  timestamp: string;
  /** Milliseconds since the epoch, for --since. */
  timeMs: number;
  stream: LogStream;
  partial: boolean;
  text: string;
}

/** A whole line of output, partial entries joined; it carries the first entry's time. */
export interface LogLine {
  timestamp: string;
  timeMs: number;
  stream: LogStream;
  text: string;
}

/** Date.parse keeps milliseconds only; nanoseconds are cut rather than trusted to the parser. */
export function parseTimestamp(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return NaN;
  const ms = (m[2] ?? '').slice(0, 3).padEnd(3, '0');
  return Date.parse(`${m[1]}.${ms}${m[3]}`);
}

/** One line of a log file (without its newline); undefined when it is not in the CRI format. */
export function parseCriLine(line: string): CriLogEntry | undefined {
  const a = line.indexOf(' ');
  if (a <= 0) return undefined;
  const b = line.indexOf(' ', a + 1);
  if (b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const timestamp = line.slice(0, a);
  const timeMs = parseTimestamp(timestamp);
  if (Number.isNaN(timeMs)) return undefined;
  // An empty full line may be written without the space after the tag.
  const c = line.indexOf(' ', b + 1);
  const tags = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  // Tags are ':'-separated; only the first (P or F) is defined so far.
  const partial = tags.split(':')[0] === 'P';
  return { timestamp, timeMs, stream, partial, text };
}

/**
 * Characters of a line joined from partial entries beyond which it is handed out as it is and
 * the entries after it start a new line: a container that never ends its line must not make
 * the reader hold all of it.
 */
export const MAX_JOINED_LENGTH = 1024 * 1024;

/**
 * Joins partial entries into lines, per stream, since stdout and stderr entries interleave.
 * Feed entries in file order; `flush` hands out what is still open (a container that died in
 * the middle of a line).
 */
export class LineAssembler {
  private open = new Map<LogStream, LogLine>();

  constructor(private readonly maxLength = MAX_JOINED_LENGTH) {}

  push(e: CriLogEntry): LogLine | undefined {
    const pending = this.open.get(e.stream);
    const line = pending ? { ...pending, text: pending.text + e.text } : { timestamp: e.timestamp, timeMs: e.timeMs, stream: e.stream, text: e.text };
    if (e.partial && line.text.length < this.maxLength) {
      this.open.set(e.stream, line);
      return undefined;
    }
    this.open.delete(e.stream);
    return line;
  }

  flush(): LogLine[] {
    const out = [...this.open.values()].sort((x, y) => x.timeMs - y.timeMs);
    this.open.clear();
    return out;
  }
}

/** Lines of a complete chunk of log text; lines not in the CRI format are skipped. */
export function parseCriLog(text: string, assembler = new LineAssembler(), flush = true): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const e = parseCriLine(raw);
    if (!e) continue;
    const line = assembler.push(e);
    if (line) out.push(line);
  }
  if (flush) out.push(...assembler.flush());
  return out;
}

export interface LineFilter {
  /** Last N lines only (negative or undefined: all). */
  tail?: number;
  /** Lines at or after this time (ms). */
  sinceMs?: number;
}

/**
 * As the kubelet: the tail is taken first, then lines older than --since are dropped. (readLogs
 * applies the same rule while it streams a file.)
 */
export function selectLines(lines: readonly LogLine[], f: LineFilter): LogLine[] {
  let out = f.tail !== undefined && f.tail >= 0 ? lines.slice(Math.max(0, lines.length - f.tail)) : [...lines];
  if (f.sinceMs !== undefined) out = out.filter((l) => l.timeMs >= f.sinceMs!);
  return out;
}

export function formatLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${line.timestamp} ${line.text}\n` : `${line.text}\n`;
}
