import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LineSplitter, LOG_CHUNK_BYTES, readRange, type Backpressure } from './scan.js';

/**
 * A container's log files in the CRI layout: `<podLogDir>/<container>/<restartCount>.log`,
 * one per instance. The highest restart count is the current instance, the one below it the
 * previous instance.
 */
export async function restartCounts(containerDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(containerDir);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    const m = /^(\d+)\.log$/.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

export function logFile(containerDir: string, restartCount: number): string {
  return join(containerDir, `${restartCount}.log`);
}

/** The instance `--previous` (or not) refers to; undefined when there is none. */
export function pickInstance(counts: readonly number[], previous: boolean): number | undefined {
  return counts[counts.length - (previous ? 2 : 1)];
}

/**
 * What a follower reads per call at most, so that one far behind still gets to notice
 * rotations and restarts (and an abort) along the way. Larger than MAX_LINE_BYTES, so that a
 * one-shot read from the start of a line always gets past it.
 */
export const FOLLOW_READ_BYTES = 4 * 1024 * 1024;

/**
 * A reading position in a log file that is still being written: complete lines are handed to
 * `onLine` as they are read, an unfinished one is held (bounded, see LineSplitter) until its
 * newline comes or the writer is known to be gone.
 */
export class LogCursor {
  private readonly lines: LineSplitter;
  private readonly buf = Buffer.allocUnsafe(LOG_CHUNK_BYTES);

  /**
   * `offset`: the next byte to read; the bytes before it are lines handed out or held.
   * `wait`: see Backpressure.
   */
  constructor(
    public offset: number,
    onLine: (text: string) => void,
    private readonly wait?: Backpressure,
  ) {
    this.lines = new LineSplitter(onLine);
  }

  /** Where the held unfinished line begins (`offset` when none is held). */
  get lineStart(): number {
    return this.offset - this.lines.pending;
  }

  /** Reads `[offset, to)` of an open file; returns how many bytes there were. */
  async readFrom(fh: FileHandle, to: number): Promise<number> {
    const n = await readRange(fh, this.offset, to, this.lines, this.buf, this.wait);
    this.offset += n;
    return n;
  }

  /**
   * Reads at most `limit` bytes that `path` has past the cursor; returns how many. A file
   * shorter than the cursor was truncated and is read from its start; a missing one reads as
   * empty.
   */
  async read(path: string, limit = Infinity): Promise<number> {
    let fh;
    try {
      fh = await open(path, 'r');
    } catch {
      return 0;
    }
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) this.reset(0);
      return await this.readFrom(fh, Math.min(size, this.offset + limit));
    } finally {
      await fh.close();
    }
  }

  /** The writer is gone: the unterminated rest is a last line. */
  end(): void {
    this.lines.end();
  }

  /** The writer is gone: reads what `path` still has, then the unterminated rest is a last line. */
  async finish(path: string): Promise<void> {
    await this.read(path);
    this.end();
  }

  /** Starts over at `offset` of another file, dropping a held line. */
  reset(offset: number): void {
    this.offset = offset;
    this.lines.reset();
  }
}

/**
 * Complete lines of `path` from `offset`, at most `limit` bytes of them, and the offset after
 * them. A line still being written stays for the next read. A file shorter than `offset` was
 * truncated and is read from its start. A line longer than MAX_LINE_BYTES comes back cut, with
 * `next` inside it; a follower uses a LogCursor, which also drops the rest of such a line.
 */
export async function readCompleteLines(path: string, offset: number, limit = FOLLOW_READ_BYTES): Promise<{ text: string; next: number }> {
  let text = '';
  const cursor = new LogCursor(offset, (line) => {
    text += `${line}\n`;
  });
  await cursor.read(path, limit);
  return { text, next: cursor.lineStart };
}
