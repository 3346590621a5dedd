import type { FileHandle } from 'node:fs/promises';
import { parseCriLine, type LogStream } from './cri-format.js';

/**
 * Reading log files in bounded memory. A container's log can be far larger than the memory
 * `staticlet logs` may take (and than the longest string V8 can hold, 512 MiB), so files are
 * read in chunks, forwards to print them and backwards to find where a tail begins.
 */

/** Bytes per read: enough to make the thread-pool round trip per read negligible, small enough not to matter. */
export const LOG_CHUNK_BYTES = 64 * 1024;

/**
 * A line of the file longer than this is cut here and the rest of it, up to its newline,
 * dropped. CRI runtimes split lines at 16 KiB, so only a file not written by one gets here, and
 * it must not make the reader hold an unbounded line.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * How far back a tail looks for earlier pieces of a partial line. The pieces of one line are
 * written within moments of each other; without a limit, a container that never writes to
 * stderr would make every tail read its whole file in search of a stderr line.
 */
export const PARTIAL_LOOKBACK_BYTES = 1024 * 1024;

/** The end of the part of line `[start, end)` of `b` that is kept: at most MAX_LINE_BYTES, never in the middle of a character. */
function keptEnd(b: Buffer, start: number, end: number): number {
  if (end - start <= MAX_LINE_BYTES) return end;
  let cut = start + MAX_LINE_BYTES;
  // UTF-8 continuation bytes are 10xxxxxx and a character has at most three of them.
  for (let i = 0; i < 3 && (b[cut]! & 0xc0) === 0x80; i++) cut--;
  return cut;
}

/** The text of line `[start, end)` of `b` (without its newline), cut as the forward reader cuts it. */
function lineText(b: Buffer, start: number, end: number): string {
  return b.toString('utf8', start, keptEnd(b, start, end));
}

/**
 * Cuts a byte stream into lines (without their newlines), holding at most one unfinished line
 * of at most MAX_LINE_BYTES (+1, to tell an overlong line from one exactly at the limit).
 */
export class LineSplitter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Inside a line already handed out cut: the rest is dropped up to its newline. */
  private skipping = false;

  constructor(private readonly onLine: (text: string) => void) {}

  /** Bytes of the unfinished line being held. */
  get pending(): number {
    return this.heldBytes;
  }

  /** `chunk` may be reused by the caller afterwards: what is held is copied. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const stop = nl < 0 ? chunk.length : nl;
      if (this.skipping) {
        this.skipping = nl < 0;
      } else if (this.heldBytes + (stop - pos) > MAX_LINE_BYTES) {
        const line = Buffer.concat([...this.held, chunk.subarray(pos, pos + MAX_LINE_BYTES + 1 - this.heldBytes)]);
        this.clear();
        this.skipping = nl < 0;
        this.onLine(lineText(line, 0, line.length));
      } else if (nl < 0) {
        this.held.push(Buffer.from(chunk.subarray(pos)));
        this.heldBytes += chunk.length - pos;
      } else if (this.heldBytes === 0) {
        this.onLine(chunk.toString('utf8', pos, nl));
      } else {
        const line = Buffer.concat([...this.held, chunk.subarray(pos, nl)]);
        this.clear();
        this.onLine(line.toString('utf8'));
      }
      if (nl < 0) break;
      pos = nl + 1;
    }
  }

  /** The writer is gone: the unfinished line is handed out as it is. */
  end(): void {
    if (this.heldBytes > 0) this.onLine(Buffer.concat(this.held).toString('utf8'));
    this.clear();
    this.skipping = false;
  }

  /** Forgets the unfinished line (the file was truncated or replaced). */
  reset(): void {
    this.clear();
    this.skipping = false;
  }

  private clear(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}

/** Asked after each chunk; a promise holds reading until it settles (whoever prints the lines is behind). */
export type Backpressure = () => Promise<void> | undefined;

/**
 * Feeds bytes `[from, to)` of `fh` to `lines`, chunk by chunk; returns how many there were
 * (fewer if the file is shorter).
 */
export async function readRange(fh: FileHandle, from: number, to: number, lines: LineSplitter, buf: Buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES), wait?: Backpressure): Promise<number> {
  let pos = from;
  while (pos < to) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - pos), pos);
    if (bytesRead === 0) break;
    lines.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    pos += bytesRead;
    await wait?.();
  }
  return pos - from;
}

/**
 * Visits the lines of `[0, end)` of `fh` from the last to the first, until `visit` returns
 * false. Without `final`, the bytes after the last newline are a line still being written and
 * are not visited. Each line's text is cut as the forward reader cuts it.
 */
async function eachLineBackwards(fh: FileHandle, end: number, final: boolean, visit: (text: string, start: number, end: number) => boolean): Promise<void> {
  const buf = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
  // The window `[winStart, winEnd)` of the file is in `buf`.
  let winStart = end;
  let winEnd = end;
  const load = async (to: number): Promise<void> => {
    const from = Math.max(0, to - buf.length);
    const { bytesRead } = await fh.read(buf, 0, to - from, from);
    winStart = from;
    winEnd = from + bytesRead;
  };
  // The line being looked at ends here, at a newline or at `end`.
  let lineEnd = end;
  let skipFirst = !final;
  for (;;) {
    // The newline before the line, -1 at the start of the file.
    let nl = -1;
    for (;;) {
      const searchEnd = Math.min(lineEnd, winEnd);
      const i = searchEnd > winStart ? buf.lastIndexOf(10, searchEnd - winStart - 1) : -1;
      if (i >= 0) {
        nl = winStart + i;
        break;
      }
      if (winStart === 0) break;
      // Reloading at the line's end keeps a short line in one window; a line longer than a
      // window is searched on backwards and read on its own below.
      await load(winEnd > lineEnd ? lineEnd : winStart);
      if (winEnd <= winStart) return; // the file shrank under us
    }
    const start = nl + 1;
    if (skipFirst) skipFirst = false;
    else if (lineEnd > start) {
      let text: string;
      if (start >= winStart && lineEnd <= winEnd) text = lineText(buf, start - winStart, lineEnd - winStart);
      else {
        const head = Buffer.allocUnsafe(Math.min(lineEnd - start, MAX_LINE_BYTES + 1));
        const { bytesRead } = await fh.read(head, 0, head.length, start);
        text = lineText(head, 0, bytesRead < head.length ? bytesRead : lineEnd - start);
      }
      if (!visit(text, start, lineEnd)) return;
    }
    if (nl < 0) return;
    lineEnd = nl;
  }
}

/**
 * Where to start reading `[0, end)` of a log so that its last `lines` logical lines (partial
 * entries joined, see LineAssembler) come out whole, as they do when it is read from its
 * start; without `final` the unterminated rest does not count, and the start also takes in the
 * pieces of lines still open at the end, which a follower completes later.
 *
 * Each of those lines ends with a full entry (or is still open at the end) and began after the
 * previous full entry of its stream; starting after that entry, for each stream, parses them as
 * the whole file would. Reading from there may give more lines than wanted (lines of the other
 * stream, perhaps missing their first pieces); the caller drops the surplus from the front.
 * Earlier pieces of a stream's line are looked for up to PARTIAL_LOOKBACK_BYTES before its
 * earliest entry found; a line whose pieces lie farther apart begins at the earliest one found.
 */
export async function tailStart(fh: FileHandle, end: number, lines: number, final: boolean): Promise<number> {
  let remaining = lines;
  // Per stream: where its earliest entry seen so far begins, and once known, where reading may start.
  const streams = new Map<LogStream, { earliest: number; start?: number }>([
    ['stdout', { earliest: end }],
    ['stderr', { earliest: end }],
  ]);
  let found = false;
  await eachLineBackwards(fh, end, final, (text, start, lineEnd) => {
    const e = parseCriLine(text);
    const s = e && streams.get(e.stream);
    if (e && s && s.start === undefined) {
      // A full entry past the wanted lines ends the line before the earliest one wanted.
      if (!e.partial && remaining === 0) s.start = Math.min(lineEnd + 1, end);
      else {
        s.earliest = start;
        if (!e.partial) remaining--;
      }
    }
    if (remaining > 0) return true;
    for (const st of streams.values()) if (st.start === undefined && start + PARTIAL_LOOKBACK_BYTES < st.earliest) st.start = st.earliest;
    found = [...streams.values()].every((st) => st.start !== undefined);
    return !found;
  });
  // Short of that, the file's start is the only place known to begin whole lines.
  if (!found) return 0;
  return Math.min(...[...streams.values()].map((s) => s.start!));
}
