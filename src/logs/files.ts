import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

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
 * Bytes of `path` from `offset` up to its last complete line, and the offset after them. A
 * line still being written stays for the next read. A file shorter than `offset` was
 * truncated and is read from its start.
 */
export async function readCompleteLines(path: string, offset: number): Promise<{ text: string; next: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return { text: '', next: offset };
  }
  try {
    const size = (await fh.stat()).size;
    const from = size < offset ? 0 : offset;
    if (size === from) return { text: '', next: from };
    const buf = Buffer.alloc(size - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    const end = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (end < 0) return { text: '', next: from };
    return { text: buf.subarray(0, end + 1).toString('utf8'), next: from + end + 1 };
  } finally {
    await fh.close();
  }
}

/** The unterminated rest of a file after `offset` (a container that died mid-line). */
export async function readRest(path: string, offset: number): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = (await fh.stat()).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}
