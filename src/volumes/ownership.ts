import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

export type FsGroupChangePolicy = 'Always' | 'OnRootMismatch';

/**
 * Hands a volume to the pod's fsGroup as the kubelet does: every entry gets the group, files
 * group read (and write unless the volume is read-only), directories also group search and
 * setgid so that new files inherit the group. Symlinks are re-grouped but never followed, so a
 * link inside a volume cannot make staticlet touch files elsewhere. OnRootMismatch skips the
 * walk when the volume root already looks right.
 */
export async function setVolumeOwnership(dir: string, fsGroup: number | undefined, readOnly: boolean, policy: FsGroupChangePolicy | undefined): Promise<void> {
  if (fsGroup === undefined) return;
  const mask = readOnly ? RO_MASK : RW_MASK;
  if (policy === 'OnRootMismatch') {
    const st = await lstat(dir);
    const want = mask | EXEC_MASK | SETGID;
    if (st.gid === fsGroup && (st.mode & want) === want) return;
  }
  await walk(dir, fsGroup, mask);
}

async function walk(path: string, gid: number, mask: number): Promise<void> {
  const st = await lstat(path);
  await lchown(path, -1, gid);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    await chmod(path, (st.mode & 0o7777) | mask | EXEC_MASK | SETGID);
    for (const name of await readdir(path)) await walk(join(path, name), gid, mask);
    return;
  }
  await chmod(path, (st.mode & 0o7777) | mask);
}
