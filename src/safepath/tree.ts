import type { Stats } from 'node:fs';
import { readdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  checkName,
  chmodFd,
  chownFd,
  components,
  fdPath,
  lchownAt,
  lstatAt,
  mkdirAt,
  openAt,
  openDirAt,
  openTrustedDir,
  renameAt,
  rmdirAt,
  UnsafePathError,
  unlinkAt,
  using,
} from './fd.js';

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/**
 * Directories deeper than this below the tree's top are moved up to the top before they are
 * emptied, so a removal holds at most this many descriptors however deep a container nested
 * its files.
 */
const REMOVE_MAX_DEPTH = 32;
/** A walk that changes files in place cannot move them: it refuses deeper trees instead. */
const WALK_MAX_DEPTH = 256;
/** An entry that keeps changing kind under us (a racer) is given up on after this many tries. */
const MAX_ATTEMPTS = 16;

/**
 * Removes `path` and everything below it without ever following a symlink and without leaving
 * the filesystem `path` is on: a link is removed, not its target; a directory swapped for a
 * link while being emptied is noticed at rmdir and dealt with as a link; a mount point below
 * stops the removal with an error (callers unmount first). The parent of `path` is trusted.
 * A missing `path` is not an error.
 */
export async function removeTree(path: string): Promise<void> {
  const name = basename(path);
  checkName(name);
  let parent: FileHandle;
  try {
    parent = await openTrustedDir(dirname(path));
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw err;
  }
  await using(parent, async () => {
    let top: FileHandle;
    try {
      top = await openDirAt(parent, name);
    } catch (err) {
      if (code(err) === 'ENOENT') return;
      if (code(err) !== 'ENOTDIR') throw err;
      await unlinkAt(parent, name).catch(ignore('ENOENT'));
      return;
    }
    await using(top, async () => {
      const ctx: RemoveContext = { top, dev: (await top.stat()).dev, moved: 0 };
      await chmodFd(top, 0o700);
      // Subtrees moved up to the top land in a later pass.
      for (let pass = 0; pass < MAX_ATTEMPTS * 4; pass++) {
        const names = await readdir(fdPath(top));
        if (names.length === 0) break;
        for (const n of names) await removeEntry(ctx, top, n, 1);
      }
    });
    await rmdirAt(parent, name).catch(ignore('ENOENT'));
  });
}

interface RemoveContext {
  top: FileHandle;
  dev: number;
  moved: number;
}

async function removeEntry(ctx: RemoveContext, parent: FileHandle, name: string, depth: number): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let st: Stats;
    try {
      st = await lstatAt(parent, name);
    } catch (err) {
      if (code(err) === 'ENOENT') return;
      throw err;
    }
    if (!st.isDirectory()) {
      try {
        await unlinkAt(parent, name);
        return;
      } catch (err) {
        if (code(err) === 'ENOENT') return;
        if (code(err) === 'EISDIR' || code(err) === 'EPERM') continue; // became a directory meanwhile
        throw err;
      }
    }
    if (st.dev !== ctx.dev) throw new UnsafePathError(`refusing to remove ${name}: another filesystem is mounted there`);
    if (depth >= REMOVE_MAX_DEPTH) {
      // Flatten instead of descending further: the outer pass removes it from the top.
      await renameAt(parent, name, ctx.top, `.staticlet-removing-${process.pid}-${ctx.moved++}`).catch(ignore('ENOENT'));
      return;
    }
    let dir: FileHandle;
    try {
      dir = await openDirAt(parent, name);
    } catch (err) {
      if (code(err) === 'ENOENT') return;
      if (code(err) === 'ENOTDIR') continue; // swapped for a link or a file: look again
      throw err;
    }
    await using(dir, async () => {
      if ((await dir.stat()).dev !== ctx.dev) throw new UnsafePathError(`refusing to remove ${name}: another filesystem is mounted there`);
      // Nobody but root can add entries while it is emptied, so a writer cannot keep it busy.
      await chmodFd(dir, 0o700);
      for (const child of await readdir(fdPath(dir))) await removeEntry(ctx, dir, child, depth + 1);
    });
    try {
      await rmdirAt(parent, name);
      return;
    } catch (err) {
      const c = code(err);
      if (c === 'ENOENT') return;
      // ENOTDIR: what we emptied was moved away and a link put in its place; ENOTEMPTY: new
      // entries. Either way the name is looked at again, never followed.
      if (c === 'ENOTDIR' || c === 'ENOTEMPTY' || c === 'EEXIST') continue;
      throw err;
    }
  }
  throw new Error(`cannot remove ${name}: it keeps changing`);
}

const ignore =
  (...codes: string[]) =>
  (err: unknown): void => {
    if (!codes.includes(code(err) ?? '')) throw err;
  };

/** What a walk shows of one entry: its fd (O_PATH, never a symlink's target) and its stat. */
export interface WalkEntry {
  /** O_PATH descriptor of the entry itself; for a symlink, of the link. */
  fh: FileHandle;
  st: Stats;
  /** The directory holding it and its name there; undefined for the walk's root. */
  parent?: FileHandle;
  name?: string;
}

/**
 * Visits `root` and everything below it, depth first, parents before children, reaching every
 * entry through its parent's descriptor without following symlinks (links are visited, never
 * entered) and without crossing into another filesystem. `root` itself is trusted.
 */
export async function walkTree(root: string, visit: (e: WalkEntry) => Promise<void>): Promise<void> {
  await using(await openTrustedDir(root), async (fh) => {
    const st = await fh.stat();
    await visit({ fh, st });
    await walkChildren(fh, st.dev, visit, 1);
  });
}

async function walkChildren(dir: FileHandle, dev: number, visit: (e: WalkEntry) => Promise<void>, depth: number): Promise<void> {
  if (depth > WALK_MAX_DEPTH) throw new UnsafePathError(`directory tree deeper than ${WALK_MAX_DEPTH} levels`);
  for (const name of await readdir(fdPath(dir))) {
    let fh: FileHandle;
    try {
      fh = await openAt(dir, name);
    } catch (err) {
      if (code(err) === 'ENOENT') continue; // removed meanwhile
      throw err;
    }
    await using(fh, async () => {
      const st = await fh.stat();
      await visit({ fh, st, parent: dir, name });
      if (st.isDirectory() && st.dev === dev) await walkChildren(fh, dev, visit, depth + 1);
    });
  }
}

/** chmod of a walked entry: symlinks have no mode of their own and are skipped. */
export async function chmodEntry(e: WalkEntry, mode: number): Promise<void> {
  if (!e.st.isSymbolicLink()) await chmodFd(e.fh, mode);
}

/** chown of a walked entry: a symlink is changed itself (through its parent), never its target. */
export async function chownEntry(e: WalkEntry, uid: number, gid: number): Promise<void> {
  if (!e.st.isSymbolicLink()) return chownFd(e.fh, uid, gid);
  if (e.parent && e.name !== undefined) await lchownAt(e.parent, e.name, uid, gid);
}

/**
 * Opens `rel` below the directory `root` without following any symlink on the way or at the
 * end, creating missing directories with exactly `createMode` when it is given. Returns an
 * O_PATH descriptor of what is there (a directory or a file), which the caller closes. A
 * symlink, or a non-directory where a directory is needed, is refused.
 */
export async function openBeneath(root: FileHandle, rel: string, createMode?: number): Promise<FileHandle> {
  const parts = components(rel);
  let cur = root;
  try {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      let next: FileHandle;
      try {
        next = last ? await openAt(cur, part) : await openDirAt(cur, part);
      } catch (err) {
        if (code(err) === 'ENOTDIR') throw new UnsafePathError(`${parts.slice(0, i + 1).join('/')} is a symlink or not a directory`);
        if (code(err) !== 'ENOENT' || createMode === undefined) throw err;
        next = (await mkdirAt(cur, part, createMode)).fh;
      }
      if (cur !== root) await cur.close();
      cur = next;
      if ((await cur.stat()).isSymbolicLink()) throw new UnsafePathError(`${parts.slice(0, i + 1).join('/')} is a symlink`);
    }
  } catch (err) {
    if (cur !== root) await cur.close().catch(() => undefined);
    throw err;
  }
  return cur === root ? reopen(root) : cur;
}

/** A second descriptor of the same directory, for callers that close what they get. */
function reopen(dir: FileHandle): Promise<FileHandle> {
  return openTrustedDir(fdPath(dir));
}
