import { lstat, mkdir, realpath, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { components, fdPathForChildren, openBeneath, openTrustedDir, removeTree, UnsafePathError, using } from '../safepath/index.js';
import { bindMount, mountAt, readMounts, unmount } from './mountinfo.js';

/**
 * subPathExpr expansion, the Kubernetes `$(VAR)` syntax: `$$` is a literal `$`, an unterminated
 * `$(` and a `$` before anything else stay as written. Like the kubelet, a reference to a
 * variable that is unset or empty is an error (the container is not created) rather than a
 * silently different path; the names are returned in `missing`.
 */
export function expandSubPathExpr(expr: string, env: ReadonlyMap<string, string>): { value: string; missing: string[] } {
  const missing = new Set<string>();
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i]!;
    if (ch !== '$' || i + 1 >= expr.length) {
      out += ch;
      i++;
      continue;
    }
    const next = expr[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = expr.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
      } else {
        const name = expr.slice(i + 2, close);
        const v = env.get(name) ?? '';
        if (v === '') missing.add(name);
        out += v;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return { value: out, missing: [...missing].sort() };
}

/** A relative path that stays inside its volume by its spelling alone. */
export function subPathSpellingError(p: string): string | undefined {
  if (p.startsWith('/')) return 'must not be an absolute path';
  if (p.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}

const inside = (root: string, p: string): boolean => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Makes `target` (in the pod's private directory) a bind mount of what `sub` names inside the
 * volume at `volumeRoot`, and returns it: the path the runtime is given. Missing directories
 * are created with the volume root's mode, as the kubelet does (so a group-writable emptyDir
 * stays usable through the subPath). Symlinks inside the volume are resolved and must stay
 * inside it. What is finally mounted is opened component by component without following
 * links and bind-mounted through its descriptor, so a container that swaps a component for a
 * symlink meanwhile gets an error, never a host path: the runtime resolves `target`, which
 * nobody else can change (CVE-2017-1002101, CVE-2021-25741).
 */
export async function bindSubPath(volumeRoot: string, sub: string, target: string): Promise<string> {
  const bad = subPathSpellingError(sub);
  if (bad) throw new Error(`subPath "${sub}" ${bad}`);
  const root = await realpath(volumeRoot);
  const outside = (): Error => new Error(`subPath "${sub}" resolves outside of the volume`);
  const fh = await using(await openTrustedDir(root), async (rootFh) => {
    const perm = (await rootFh.stat()).mode & 0o7777;
    await makeMissing(root, rootFh, components(sub), perm, outside);
    const resolved = await realpath(join(root, sub));
    if (!inside(root, resolved)) throw outside();
    return openBeneath(rootFh, relative(root, resolved)).catch((err: unknown) => {
      throw err instanceof UnsafePathError ? new Error(`subPath "${sub}" changed while being mounted: ${err.message}`) : err;
    });
  });
  await using(fh, async () => {
    const isDir = (await fh.stat()).isDirectory();
    await unbindAt(target);
    await prepareTarget(target, isDir);
    await bindMount(fdPathForChildren(fh), target);
  });
  return target;
}

/**
 * Creates what is missing of `parts` below the volume root: the existing part of the path is
 * resolved (links inside the volume are allowed), the rest created from there without
 * following anything.
 */
async function makeMissing(root: string, rootFh: FileHandle, parts: string[], perm: number, outside: () => Error): Promise<void> {
  for (let i = parts.length; i >= 0; i--) {
    const existing = await realpath(join(root, ...parts.slice(0, i))).catch(() => undefined);
    if (existing === undefined) continue;
    if (!inside(root, existing)) throw outside();
    if (i === parts.length) return;
    const base = await openBeneath(rootFh, relative(root, existing));
    await using(base, async () => {
      await (await openBeneath(base, parts.slice(i).join('/'), perm)).close();
    });
    return;
  }
}

/** A directory or an empty file to mount over, matching what is mounted. */
async function prepareTarget(target: string, isDir: boolean): Promise<void> {
  const st = await lstat(target).catch(() => undefined);
  if (st && st.isDirectory() === isDir && (isDir || st.isFile())) return;
  if (st) await removeTree(target);
  await mkdir(dirname(target), { recursive: true, mode: 0o750 });
  if (isDir) await mkdir(target, { mode: 0o750 });
  else await writeFile(target, '', { mode: 0o640, flag: 'wx' });
}

/** Removes every mount stacked at `target` (an earlier instance of the container left one). */
export async function unbindAt(target: string): Promise<void> {
  const real = await realpath(target).catch(() => undefined);
  if (real === undefined) return;
  for (let i = 0; i < 16 && mountAt(await readMounts(), real); i++) await unmount(real);
}
