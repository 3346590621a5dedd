import { setTimeout as sleep } from 'node:timers/promises';
import { LineAssembler, parseCriLog, selectLines, type LineFilter, type LogLine } from './cri-format.js';
import { stat } from 'node:fs/promises';
import { logFile, readCompleteLines, readRest, restartCounts } from './files.js';
import { rotatedLogs } from './rotation.js';

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
}

/**
 * Prints an instance's log; when following, keeps reading as the file grows and moves on to
 * the next instance's file once one appears (the container restarted), after draining the
 * current one.
 */
export async function readLogs(opts: ReadLogsOptions, emit: (line: LogLine) => void): Promise<void> {
  const assembler = new LineAssembler();
  let n = opts.instance;
  const first = await readCompleteLines(logFile(opts.containerDir, n), 0);
  let offset = first.next;
  const initial = parseCriLog(first.text, assembler, false);
  if (!opts.follow) initial.push(...parseCriLog(await readRest(logFile(opts.containerDir, n), offset), assembler));
  for (const l of selectLines(initial, opts)) emit(l);
  if (!opts.follow) return;

  const pollMs = opts.pollMs ?? 250;
  const doneCheckMs = opts.doneCheckMs ?? 2_000;
  let lastDoneCheck = Date.now();
  let ino = await inodeOf(logFile(opts.containerDir, n));
  while (!opts.signal?.aborted) {
    // Log rotation renamed the file we were reading and the runtime opened a new one: finish
    // the old one (now the newest rotated file, still uncompressed), then start the new one.
    const cur = await inodeOf(logFile(opts.containerDir, n));
    if (ino !== undefined && cur !== undefined && cur !== ino) {
      const old = (await rotatedLogs(logFile(opts.containerDir, n))).filter((f) => !f.endsWith('.gz')).pop();
      if (old) for (const l of parseCriLog(await readRest(old, offset), assembler, false)) emit(l);
      offset = 0;
    }
    ino = cur ?? ino;
    const r = await readCompleteLines(logFile(opts.containerDir, n), offset);
    offset = r.next;
    if (r.text) {
      for (const l of parseCriLog(r.text, assembler, false)) emit(l);
      continue;
    }
    const next = (await restartCounts(opts.containerDir)).find((c) => c > n);
    if (next !== undefined) {
      // The old instance is gone for good: what it left unterminated is all it will write.
      for (const l of parseCriLog(await readRest(logFile(opts.containerDir, n), offset), assembler)) emit(l);
      n = next;
      offset = 0;
      ino = await inodeOf(logFile(opts.containerDir, n));
      continue;
    }
    if (opts.done && Date.now() - lastDoneCheck >= doneCheckMs) {
      lastDoneCheck = Date.now();
      if (await opts.done()) {
        for (const l of parseCriLog(await readRest(logFile(opts.containerDir, n), offset), assembler)) emit(l);
        return;
      }
    }
    await sleep(pollMs, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(() => undefined);
  }
}

async function inodeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.ino,
    () => undefined,
  );
}
