import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export type ReadOutcome =
  | {
      content: Uint8Array;
      /** Modification time when the read began. */
      mtimeMs: number;
      /** The file's size or modification time moved while it was read: it is being written. */
      changed: boolean;
    }
  | { missing: true }
  | { notFile: true }
  /** `mtimeMs` when the file was too large: one still growing is still being written. */
  | { error: string; mtimeMs?: number };

/** How a file is opened; the directory source passes its own so tests can fail single opens. */
export type OpenFile = (path: string, flags: number) => Promise<FileHandle>;

/**
 * Reads a regular file (following symlinks) without ever holding more than `maxBytes` + 1 in
 * memory: a runaway file is reported, not loaded. `check` sees the opened file's fstat and may
 * refuse it (a reason) before it is read.
 */
export async function readLimited(path: string, maxBytes: number, openFile: OpenFile = open, check?: (st: Stats) => string | undefined): Promise<ReadOutcome> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO dropped into the directory must not block the source forever.
    fh = await openFile(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    if (code === 'EISDIR') return { notFile: true };
    return { error: `cannot read: ${(err as Error).message}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { notFile: true };
    // Checked on the descriptor that is read, so the verdict is about the very inode parsed.
    const refused = check?.(st);
    if (refused !== undefined) return { error: refused };
    if (st.size > maxBytes) return { error: `file is ${st.size} bytes, over the limit of ${maxBytes} bytes`, mtimeMs: st.mtimeMs };
    // The file may grow between stat and read: read until EOF, stopping one byte past the limit.
    // The first buffer is the stat size plus one, so a file as large as fstat said (every rescan
    // re-reads them all) takes a single read: one that comes up short of its buffer once the
    // stat size is reached is at EOF. A file that shrank meanwhile is read until a 0-byte read.
    const chunks: Buffer[] = [];
    let total = 0;
    let want = Math.min(st.size + 1, maxBytes + 1);
    for (;;) {
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return { error: `file is over the limit of ${maxBytes} bytes` };
      if (bytesRead < chunk.length && total >= st.size) break;
      want = Math.min(64 * 1024, maxBytes + 1 - total);
    }
    const after = await fh.stat();
    // Sizes are compared with the first fstat, not with what was read: procfs and the like say 0.
    const changed = after.size !== st.size || after.mtimeMs !== st.mtimeMs;
    return { content: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total), mtimeMs: st.mtimeMs, changed };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') return { notFile: true };
    return { error: `cannot read: ${(err as Error).message}` };
  } finally {
    await fh.close();
  }
}
