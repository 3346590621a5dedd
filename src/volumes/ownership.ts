import { chmodEntry, chownEntry, using, openTrustedDir, walkTree } from '../safepath/index.js';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

export type FsGroupChangePolicy = 'Always' | 'OnRootMismatch';

/**
 * Hands a volume to the pod's fsGroup as the kubelet does: every entry gets the group, files
 * group read (and write unless the volume is read-only), directories also group search and
 * setgid so that new files inherit the group. The walk goes through descriptors and never
 * follows a symlink (links are re-grouped themselves), so a container that swaps a directory
 * for a link while it runs cannot make staticlet change files outside the volume.
 * OnRootMismatch skips the walk when the volume root already looks right.
 */
export async function setVolumeOwnership(dir: string, fsGroup: number | undefined, readOnly: boolean, policy: FsGroupChangePolicy | undefined): Promise<void> {
  if (fsGroup === undefined) return;
  const mask = readOnly ? RO_MASK : RW_MASK;
  if (policy === 'OnRootMismatch') {
    const st = await using(await openTrustedDir(dir), (fh) => fh.stat());
    const want = mask | EXEC_MASK | SETGID;
    if (st.gid === fsGroup && (st.mode & want) === want) return;
  }
  await walkTree(dir, async (e) => {
    await chownEntry(e, -1, fsGroup);
    const mode = e.st.mode & 0o7777;
    await chmodEntry(e, e.st.isDirectory() ? mode | mask | EXEC_MASK | SETGID : mode | mask);
  });
}
