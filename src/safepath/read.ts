import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reads at most `limit` bytes of a regular file from `position` (negative: that many bytes
 * before its end), never following a symlink as its last component and never blocking on a
 * FIFO. For files a container can write: whatever it made of the file, the supervisor reads a
 * bounded amount of a real file or nothing. Resolves `undefined` when the path is not a
 * regular file (a link, a FIFO, a directory, missing).
 */
export async function readRegularFile(path: string, limit: number, position = 0): Promise<{ data: Buffer; size: number } | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const from = position < 0 ? Math.max(0, st.size + position) : position;
    const want = Math.max(0, Math.min(limit, st.size - from));
    // One byte more than the stat size says: a file that grew since is still read to `limit`.
    const buf = Buffer.alloc(Math.min(limit, want + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    return { data: buf.subarray(0, bytesRead), size: st.size };
  } finally {
    await fh.close().catch(() => undefined);
  }
}
