import { lstat, mkdir, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSafeUid } from '../lib/path-component.js';
import { restartCounts } from '../logs/files.js';

/**
 * The CRI log layout the kubelet uses, which log shippers expect:
 *   <podLogsDir>/<namespace>_<name>_<uid>/<container>/<restartCount>.log
 * A marker file says the directory is staticlet's, so cleanup never touches a kubelet's pods
 * when both share /var/log/pods.
 */
export const OWNER_MARKER = '.staticlet';

/** Throws for a UID that is not one plain path component, as podDir does. */
export function podLogDir(root: string, namespace: string, name: string, uid: string): string {
  assertSafeUid(uid);
  return join(root, `${namespace}_${name}_${uid}`);
}

/** Relative to the pod log directory, as CRI's ContainerConfig.log_path wants it. */
export function containerLogPath(container: string, restartCount: number): string {
  return `${container}/${restartCount}.log`;
}

export async function ensurePodLogDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  // Truncating also clears a "removed" stamp when the same UID comes back.
  await writeFile(join(dir, OWNER_MARKER), '');
}

/**
 * Highest restart count with a log file on disk, -1 if none. The runtime forgets containers
 * once removed; their log files outlive them, so a pod that comes back under the same UID
 * continues counting (and never overwrites an earlier log) as the kubelet's does.
 */
export async function restartHistory(podDir: string, container: string): Promise<number> {
  const counts = await restartCounts(join(podDir, container));
  return counts.length > 0 ? counts[counts.length - 1]! : -1;
}

/**
 * Removes the log file of an attempt that never ran when it is empty (containerd opens it before
 * a start that then fails). Left behind, it would make restartHistory count the attempt as run
 * once its instance is gone.
 */
export async function dropUnwrittenLog(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (st.isFile() && st.size === 0) await unlink(path);
  } catch {
    // No such file: nothing to drop.
  }
}

/** Marks a pod's logs as belonging to a pod that is gone; retention counts from here. */
export async function markPodLogsRemoved(dir: string): Promise<void> {
  try {
    const now = new Date();
    await writeFile(join(dir, OWNER_MARKER), `removed ${now.toISOString()}\n`);
  } catch {
    // No log directory (the pod never started a container): nothing to retain.
  }
}

/**
 * Deletes log directories of removed pods older than `retentionMs`. Only directories carrying
 * our marker with a "removed" stamp and whose UID is not live are touched.
 */
export async function pruneRemovedPodLogs(root: string, liveUids: ReadonlySet<string>, retentionMs: number, now = Date.now()): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const uid = e.split('_').pop() ?? '';
    if (liveUids.has(uid)) continue;
    const marker = join(root, e, OWNER_MARKER);
    try {
      const st = await stat(marker);
      if (st.size === 0 || now - st.mtimeMs < retentionMs) continue;
      await rm(join(root, e), { recursive: true, force: true });
      removed.push(e);
    } catch {
      // Not ours, or raced with another cleanup.
    }
  }
  return removed;
}
