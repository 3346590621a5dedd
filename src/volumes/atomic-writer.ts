import { chmod, lchown, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';

/**
 * The kubelet's atomic writer layout for volumes whose files change while containers read them:
 *
 *   <dir>/..2026_11_25_03_40_00.Ab12Cd/<files>   one complete version of the content
 *   <dir>/..data -> ..2026_11_25_03_40_00.Ab12Cd  swapped with a rename, so readers see the
 *                                                  old version or the new one, never a mix
 *   <dir>/<name> -> ..data/<name>                  what users see, one link per top-level entry
 */

export interface FilePayload {
  content: Buffer;
  mode: number;
}

export interface WriteOptions {
  /** fsGroup: every entry gets this group; directories get setgid so new entries inherit it. */
  gid?: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';
const DIR_MODE = 0o755;

/** Refuses payload paths that could land outside the volume or clash with the writer's own entries. */
export function checkPayloadPath(p: string): string | undefined {
  if (p === '') return 'empty path';
  if (p.startsWith('/')) return `${p}: must be a relative path`;
  if (p.split('/').includes('..')) return `${p}: must not contain '..'`;
  if (p.startsWith('..')) return `${p}: must not start with '..'`;
  if (posix.normalize(p) !== p) return `${p}: must be a clean path`;
  return undefined;
}

function tsPrefix(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

/** Regular files under `dir`, as paths relative to it; symlinks are not followed. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(dir, p)));
    else out.push(p);
  }
  return out;
}

const topLevel = (p: string): string => p.split('/')[0]!;

function effectiveMode(f: FilePayload, opts: WriteOptions): number {
  // The kubelet's fsGroup handling gives a read-only volume's files group read.
  return opts.gid === undefined ? f.mode : f.mode | 0o440;
}

async function sameContent(tsDir: string, payload: ReadonlyMap<string, FilePayload>, opts: WriteOptions): Promise<boolean> {
  let present: string[];
  try {
    present = await listFiles(tsDir);
  } catch {
    return false;
  }
  if (present.length !== payload.size || present.some((p) => !payload.has(p))) return false;
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    const st = await stat(file).catch(() => undefined);
    if (!st || (st.mode & 0o7777) !== effectiveMode(f, opts)) return false;
    if (opts.gid !== undefined && st.gid !== opts.gid) return false;
    if (!(await readFile(file)).equals(f.content)) return false;
  }
  return true;
}

async function ensureUserLinks(dir: string, names: Iterable<string>, gid: number | undefined): Promise<void> {
  for (const name of names) {
    const link = join(dir, name);
    const st = await lstat(link).catch(() => undefined);
    if (st) continue;
    await symlink(join(DATA, name), link);
    if (gid !== undefined) await lchown(link, -1, gid);
  }
}

async function prepareDir(path: string, gid: number | undefined): Promise<void> {
  await mkdir(path, { recursive: true, mode: DIR_MODE });
  if (gid !== undefined) await lchown(path, -1, gid);
  await chmod(path, gid === undefined ? DIR_MODE : DIR_MODE | 0o2000);
}

/**
 * Makes `dir` hold exactly `payload`. Returns false, touching nothing, when it already does;
 * otherwise writes a new version next to the old one, swaps `..data` to it and removes the
 * old version and the links of files that are gone.
 */
export async function writeAtomic(dir: string, payload: ReadonlyMap<string, FilePayload>, opts: WriteOptions = {}, now = new Date()): Promise<boolean> {
  for (const p of payload.keys()) {
    const bad = checkPayloadPath(p);
    if (bad) throw new Error(`invalid file path ${bad}`);
  }
  await prepareDir(dir, opts.gid);
  const oldTs = await readlink(join(dir, DATA)).catch(() => undefined);
  const oldFiles = oldTs ? await listFiles(join(dir, oldTs)).catch(() => []) : [];
  const newTop = new Set([...payload.keys()].map(topLevel));
  if (oldTs && (await sameContent(join(dir, oldTs), payload, opts))) {
    await ensureUserLinks(dir, newTop, opts.gid);
    return false;
  }

  const tsDir = await mkdtemp(join(dir, tsPrefix(now)));
  await prepareDir(tsDir, opts.gid);
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    const parent = dirname(file);
    if (parent !== tsDir) await prepareDir(parent, opts.gid);
    await writeFile(file, f.content, { mode: f.mode });
    if (opts.gid !== undefined) await lchown(file, -1, opts.gid);
    // Explicit chmod: the umask trims the mode writeFile creates with.
    await chmod(file, effectiveMode(f, opts));
  }

  const tmpLink = join(dir, DATA_TMP);
  await rm(tmpLink, { force: true });
  await symlink(basename(tsDir), tmpLink);
  if (opts.gid !== undefined) await lchown(tmpLink, -1, opts.gid);
  await rename(tmpLink, join(dir, DATA));

  await ensureUserLinks(dir, newTop, opts.gid);
  for (const name of new Set(oldFiles.map(topLevel))) {
    if (newTop.has(name)) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st?.isSymbolicLink()) await unlink(join(dir, name));
  }
  // The old version, and any left behind by a write that was interrupted.
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory() && /^\.\.\d{4}_/.test(e.name) && e.name !== basename(tsDir)) await rm(join(dir, e.name), { recursive: true, force: true });
  }
  return true;
}
