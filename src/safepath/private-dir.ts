import { mkdir } from 'node:fs/promises';
import { chmodFd, chownFd, openTrustedDir, using } from './fd.js';

/**
 * Makes `path` a directory owned by this process's user and group with no more than `mode`
 * (0750 for staticlet's state), creating it and its parents when missing and narrowing it when
 * an earlier version or an operator left it wider or someone else's. Returns whether it had to
 * repair an existing directory.
 */
export async function ensurePrivateDir(path: string, mode = 0o750): Promise<boolean> {
  const created = (await mkdir(path, { recursive: true, mode })) !== undefined;
  return using(await openTrustedDir(path), async (fh) => {
    const st = await fh.stat();
    const uid = process.getuid?.() ?? st.uid;
    const gid = process.getgid?.() ?? st.gid;
    let repaired = false;
    if (st.uid !== uid || st.gid !== gid) {
      await chownFd(fh, uid, gid);
      repaired = true;
    }
    if ((st.mode & 0o7777 & ~mode) !== 0) {
      await chmodFd(fh, st.mode & 0o7777 & mode);
      repaired = true;
    }
    return repaired && !created;
  });
}
