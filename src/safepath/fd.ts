import { constants, type Stats } from 'node:fs';
import { chmod, chown, lchown, lstat, mkdir, open, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';

/**
 * Descriptor-relative file operations. Node has no openat/unlinkat, but a path through
 * `/proc/self/fd/<fd>/` starts the lookup at the directory the descriptor holds, whatever has
 * been renamed or swapped above it since; with O_NOFOLLOW (or a call that never follows its
 * last component: lstat, mkdir, unlink, rmdir, rename) the one name looked up there cannot be a
 * symlink that leads elsewhere. Chained component by component this is the openat(O_NOFOLLOW)
 * walk the kubelet does for subPath, and it is the only way staticlet touches paths that a pod,
 * a container or a local user can change.
 */

/** Linux's O_PATH: an fd that names an inode without opening it (no FIFO blocking, no device side effects). */
export const O_PATH = 0o10000000;
const { O_NOFOLLOW, O_DIRECTORY } = constants;

/** An fd held by this process, as a path the kernel resolves to exactly that inode. */
export function fdPath(fh: FileHandle, name?: string): string {
  if (name === undefined) return `/proc/self/fd/${fh.fd}`;
  checkName(name);
  return `/proc/self/fd/${fh.fd}/${name}`;
}

/** The same, for another process (mount(8) runs as a child and must reach our fd). */
export function fdPathForChildren(fh: FileHandle): string {
  return `/proc/${process.pid}/fd/${fh.fd}`;
}

export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/** One path component that stays in its directory: no separator, not `.`, `..` or empty. */
export function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new UnsafePathError(`unsafe path component ${JSON.stringify(name)}`);
  }
}

/** The components of a relative path, refusing `..` and absolute paths; `.` and empty parts drop. */
export function components(rel: string): string[] {
  if (rel.startsWith('/')) throw new UnsafePathError(`${JSON.stringify(rel)} is not a relative path`);
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) checkName(p);
  return parts;
}

/**
 * Opens a directory the caller trusts by its path (staticlet's own root dir, a volume root
 * that the runtime would resolve the same way): symlinks in it are followed, as they would be
 * by anyone else using that path. Everything below it is then reached without following.
 */
export function openTrustedDir(path: string): Promise<FileHandle> {
  return open(path, O_PATH | O_DIRECTORY);
}

/** The directory at `path`, refusing a symlink as its last component (earlier ones are followed). */
export function openDirNoFollow(path: string): Promise<FileHandle> {
  return open(path, O_PATH | O_NOFOLLOW | O_DIRECTORY);
}

/** `name` in `dir` as an O_PATH fd, never following a symlink (a symlink yields its own fd). */
export function openAt(dir: FileHandle, name: string): Promise<FileHandle> {
  return open(fdPath(dir, name), O_PATH | O_NOFOLLOW);
}

/** The directory `name` in `dir`; ENOTDIR when it is anything else, a symlink included. */
export function openDirAt(dir: FileHandle, name: string): Promise<FileHandle> {
  return open(fdPath(dir, name), O_PATH | O_NOFOLLOW | O_DIRECTORY);
}

export function lstatAt(dir: FileHandle, name: string): Promise<Stats> {
  return lstat(fdPath(dir, name));
}

export function unlinkAt(dir: FileHandle, name: string): Promise<void> {
  return unlink(fdPath(dir, name));
}

export function rmdirAt(dir: FileHandle, name: string): Promise<void> {
  return rmdir(fdPath(dir, name));
}

export function renameAt(from: FileHandle, fromName: string, to: FileHandle, toName: string): Promise<void> {
  return rename(fdPath(from, fromName), fdPath(to, toName));
}

/** lchown of `name` in `dir`: the entry itself, a symlink included. */
export function lchownAt(dir: FileHandle, name: string, uid: number, gid: number): Promise<void> {
  return lchown(fdPath(dir, name), uid, gid);
}

/**
 * chmod/chown of the inode an fd holds. Through the magic link the kernel acts on that inode
 * and looks no name up, so nobody can swap what is changed. Callers never pass a symlink's fd.
 */
export function chmodFd(fh: FileHandle, mode: number): Promise<void> {
  return chmod(fdPath(fh), mode);
}

export function chownFd(fh: FileHandle, uid: number, gid: number): Promise<void> {
  return chown(fdPath(fh), uid, gid);
}

/**
 * Creates the directory `name` in `dir` with exactly `mode` (the umask does not apply), or
 * opens it when it is already a directory. Returns the directory and whether it was created.
 * A symlink in its place is refused, never followed.
 */
export async function mkdirAt(dir: FileHandle, name: string, mode: number): Promise<{ fh: FileHandle; created: boolean }> {
  let created = true;
  try {
    await mkdir(fdPath(dir, name), { mode });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  }
  const fh = await openDirAt(dir, name).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOTDIR' || err.code === 'ELOOP' ? new UnsafePathError(`${name} exists and is not a directory`) : err;
  });
  if (created) await chmodFd(fh, mode);
  return { fh, created };
}

/** Runs `fn` with `fh`, closing it afterwards whatever happens. */
export async function using<T>(fh: FileHandle, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
  try {
    return await fn(fh);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
