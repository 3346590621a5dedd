import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export type ReadOutcome = { content: Uint8Array } | { missing: true } | { notFile: true } | { error: string };

/**
 * Reads a regular file (following symlinks) without ever holding more than `maxBytes` + 1 in
 * memory: a runaway file is reported, not loaded.
 */
export async function readLimited(path: string, maxBytes: number): Promise<ReadOutcome> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO dropped into the directory must not block the source forever.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    if (code === 'EISDIR') return { notFile: true };
    return { error: `cannot read: ${(err as Error).message}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { notFile: true };
    if (st.size > maxBytes) return { error: `file is ${st.size} bytes, over the limit of ${maxBytes} bytes` };
    // The file may grow between stat and read: read until EOF, stopping one byte past the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { error: `file is over the limit of ${maxBytes} bytes` };
    }
    return { content: Buffer.concat(chunks, total) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return { notFile: true };
    return { error: `cannot read: ${(err as Error).message}` };
  } finally {
    await fh.close();
  }
}
