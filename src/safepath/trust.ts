import type { Stats } from 'node:fs';
import { realpath, type FileHandle } from 'node:fs/promises';
import { components, openDirAt, openTrustedDir } from './fd.js';

/**
 * Whether files could have been written by someone other than root (sshd's StrictModes rule,
 * applied to static pod manifests, which run with root's power): the file and every directory
 * from / down to it must be owned by root or by staticlet's own user and be neither group- nor
 * world-writable.
 *
 * One exception, for ancestors only: a root-owned directory with the sticky bit (/tmp, 1777).
 * Others may add names there but cannot rename or remove an entry they do not own, so the next
 * component, itself checked for its owner, cannot be swapped. (sshd refuses /tmp too; we accept
 * it because nothing in it can be replaced by another user and tests keep manifests in mkdtemp
 * directories.) The manifest directory itself gets no such exception: a directory anyone may add
 * files to is not a place for manifests, even if each foreign file would be refused.
 */
export interface TrustPolicy {
  /** Owners that may hold manifests and their directories: root and staticlet's own uid. */
  trustedUids: ReadonlySet<number>;
}

export function defaultTrustPolicy(): TrustPolicy {
  return { trustedUids: new Set([0, process.getuid?.() ?? 0]) };
}

const S_ISVTX = 0o1000;

/** Why an inode (a manifest, or the manifest directory) is not trusted, or undefined. */
export function untrustedReason(st: Pick<Stats, 'uid' | 'mode'>, what: string, policy: TrustPolicy): string | undefined {
  if (!policy.trustedUids.has(st.uid)) return `${what} is owned by uid ${st.uid}, not root or staticlet's user`;
  if (st.mode & 0o002) return `${what} is world-writable (mode ${octal(st.mode)})`;
  if (st.mode & 0o020) return `${what} is group-writable (mode ${octal(st.mode)})`;
  return undefined;
}

function ancestorReason(st: Stats, what: string, policy: TrustPolicy): string | undefined {
  // A root-owned sticky directory: see TrustPolicy.
  if (st.uid === 0 && st.mode & S_ISVTX) return undefined;
  return untrustedReason(st, what, policy);
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Checks every directory from / down to `dir` (its real path: links are resolved first, as sshd
 * does, then the walk is made descriptor by descriptor without following any link, so what is
 * checked is what the path leads to at that moment; a link that appears meanwhile fails the
 * walk). Returns the first reason the chain is not trusted, or undefined.
 */
export async function untrustedDirReason(dir: string, policy: TrustPolicy): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (err) {
    return `cannot check ${dir}: ${(err as Error).message}`;
  }
  const parts = components(real.slice(1));
  let current = await openTrustedDir('/');
  let path = '/';
  try {
    for (let i = 0; ; i++) {
      const st = await current.stat();
      const last = i === parts.length;
      const what = last ? `directory ${path}` : `directory ${path} (on the path to ${real})`;
      const reason = last ? untrustedReason(st, what, policy) : ancestorReason(st, what, policy);
      if (reason !== undefined) return reason;
      if (last) return undefined;
      const name = parts[i]!;
      let next: FileHandle;
      try {
        next = await openDirAt(current, name);
      } catch (err) {
        return `cannot check ${path === '/' ? '' : path}/${name}: ${(err as Error).message}`;
      }
      await current.close().catch(() => undefined);
      current = next;
      path = path === '/' ? `/${name}` : `${path}/${name}`;
    }
  } finally {
    await current.close().catch(() => undefined);
  }
}
