import { chmod, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

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
 * The real host path of `sub` inside the volume at `volumeRoot`, creating missing directories
 * with the volume root's mode as the kubelet does (so a group-writable emptyDir stays usable
 * through the subPath). Every existing component is resolved; one that leads outside the volume
 * (a symlink planted by a container) is refused.
 */
export async function resolveSubPath(volumeRoot: string, sub: string): Promise<string> {
  const bad = subPathSpellingError(sub);
  if (bad) throw new Error(`subPath "${sub}" ${bad}`);
  const root = await realpath(volumeRoot);
  const perm = (await stat(root)).mode & 0o7777;
  let cur = root;
  for (const part of sub.split('/').filter((x) => x !== '' && x !== '.')) {
    const next = join(cur, part);
    const st = await lstat(next).catch(() => undefined);
    if (!st) {
      await mkdir(next, { mode: perm });
      await chmod(next, perm);
      cur = next;
      continue;
    }
    cur = st.isSymbolicLink() ? await realpath(next) : next;
    if (!inside(root, cur)) throw new Error(`subPath "${sub}" resolves outside of the volume`);
  }
  return cur;
}
