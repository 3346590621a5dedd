import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineAssembler, parseCriLine, type LineFilter, type LogLine } from './cri-format.js';
import { FOLLOW_READ_BYTES, LogCursor, logFile, restartCounts } from './files.js';
import { rotatedLogs } from './rotation.js';
import { LineSplitter, readRange, tailStart, type Backpressure } from './scan.js';

export interface ReadLogsOptions extends LineFilter {
  /** The container's directory under the pod log directory. */
  containerDir: string;
  /** Restart count of the instance to start with. */
  instance: number;
  follow: boolean;
  /** Follow mode: asked between polls whether to give up (the pod went away). */
  done?: () => Promise<boolean>;
  pollMs?: number;
  /** How often `done` is asked, at most. */
  doneCheckMs?: number;
  signal?: AbortSignal;
  /** Holds reading while the lines emitted so far are still being written out. */
  backpressure?: Backpressure;
}

/**
 * Prints an instance's log; when following, keeps reading as the file grows and moves on to
 * the next instance's file once one appears (the container restarted), after draining the
 * current one.
 *
 * Files are read in bounded chunks and lines printed as they are parsed, so memory does not
 * grow with the file: with --tail, reading starts near the end (see tailStart). The lines are
 * those selectLines picks from the whole instance: the tail first, then --since.
 */
export async function readLogs(opts: ReadLogsOptions, emit: (line: LogLine) => void): Promise<void> {
  const assembler = new LineAssembler();
  // What has been written so far is filtered; what a follower reads later is printed as it comes.
  let out: (line: LogLine) => void = emit;
  const cursor = new LogCursor(0, (text) => {
    const e = parseCriLine(text);
    const line = e && assembler.push(e);
    if (line) out(line);
  }, opts.backpressure);
  let n = opts.instance;
  const path = (): string => logFile(opts.containerDir, n);

  let ino: number | undefined;
  const fh = await open(path(), 'r').catch(() => undefined);
  if (fh) {
    try {
      const { size, ino: inode } = await fh.stat();
      ino = inode;
      // When following, the unterminated rest is a line still being written: it neither
      // counts nor prints now, the follower completes it.
      const final = !opts.follow;
      const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;
      if (tail === 0 && final) return;
      let skip = 0;
      if (tail !== undefined) {
        const from = await tailStart(fh, size, tail, final);
        skip = Math.max(0, (await countLines(fh, from, size, final)) - tail);
        cursor.reset(from);
      }
      let seen = 0;
      out = (line) => {
        if (seen++ >= skip && (opts.sinceMs === undefined || line.timeMs >= opts.sinceMs)) emit(line);
      };
      await cursor.readFrom(fh, size);
      if (final) {
        cursor.end();
        for (const l of assembler.flush()) out(l);
      }
    } finally {
      await fh.close();
    }
  }
  out = emit;
  if (!opts.follow) return;

  const pollMs = opts.pollMs ?? 250;
  const doneCheckMs = opts.doneCheckMs ?? 2_000;
  let lastDoneCheck = Date.now();
  while (!opts.signal?.aborted) {
    // Log rotation renamed the file we were reading and the runtime opened a new one: finish
    // the old one (now the newest rotated file, still uncompressed), then start the new one.
    const cur = await inodeOf(path());
    if (ino !== undefined && cur !== undefined && cur !== ino) {
      const old = (await rotatedLogs(path())).filter((f) => !f.endsWith('.gz')).pop();
      if (old) await cursor.finish(old);
      cursor.reset(0);
    }
    ino = cur ?? ino;
    if ((await cursor.read(path(), FOLLOW_READ_BYTES)) > 0) continue;
    const next = (await restartCounts(opts.containerDir)).find((c) => c > n);
    if (next !== undefined) {
      // The old instance is gone for good: what it left unterminated is all it will write.
      await cursor.finish(path());
      for (const l of assembler.flush()) emit(l);
      n = next;
      cursor.reset(0);
      ino = await inodeOf(path());
      continue;
    }
    if (opts.done && Date.now() - lastDoneCheck >= doneCheckMs) {
      lastDoneCheck = Date.now();
      if (await opts.done()) {
        await cursor.finish(path());
        for (const l of assembler.flush()) emit(l);
        return;
      }
    }
    await sleep(pollMs, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(() => undefined);
  }
}

/** How many lines reading `[from, to)` gives, parsed exactly as readLogs parses them, without keeping any. */
async function countLines(fh: FileHandle, from: number, to: number, final: boolean): Promise<number> {
  const assembler = new LineAssembler();
  let count = 0;
  const lines = new LineSplitter((text) => {
    const e = parseCriLine(text);
    if (e && assembler.push(e)) count++;
  });
  await readRange(fh, from, to, lines);
  if (final) {
    lines.end();
    count += assembler.flush().length;
  }
  return count;
}

async function inodeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.ino,
    () => undefined,
  );
}
