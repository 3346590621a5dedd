import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSafeUid } from '../lib/path-component.js';
import { ensurePrivateDir, mkdirAt, openTrustedDir } from '../safepath/index.js';
import type { NodeContext } from '../node/context.js';

/** <rootDir>/pods: where the per-pod directories live. */
export function podsDir(node: Pick<NodeContext, 'rootDir'>): string {
  return join(node.rootDir, 'pods');
}

/**
 * <rootDir>/pods/<uid>: everything staticlet keeps on disk for one pod. Throws for a UID that is
 * not one plain path component: validation refuses such manifests, and a UID from anywhere else
 * (runtime labels) must not send a write or a recursive delete outside the pods directory either.
 */
export function podDir(node: Pick<NodeContext, 'rootDir'>, uid: string): string {
  assertSafeUid(uid);
  return join(podsDir(node), uid);
}

/** Where a volume plugin keeps one volume, in the kubelet's layout (`kubernetes.io~empty-dir`...). */
export function volumeDir(node: Pick<NodeContext, 'rootDir'>, uid: string, plugin: string, volume: string): string {
  return join(podDir(node, uid), 'volumes', `kubernetes.io~${plugin}`, volume);
}

export function emptyDirPath(node: Pick<NodeContext, 'rootDir'>, uid: string, volume: string): string {
  return volumeDir(node, uid, 'empty-dir', volume);
}

/** staticlet's state directories (root dir, pods/, each pod's directory and what it holds): never open to other users. */
export const PRIVATE_DIR_MODE = 0o750;

/**
 * Creates `<rootDir>/pods/<uid>/<parts...>` as needed and returns its path: the pod directory
 * and every level in between private (0750), the last one `leafMode` when it is created. Levels
 * are created through descriptors without following links.
 */
export async function ensurePodSubdir(node: Pick<NodeContext, 'rootDir'>, uid: string, parts: readonly string[], leafMode = PRIVATE_DIR_MODE): Promise<string> {
  const target = podDir(node, uid);
  const pods = podsDir(node);
  await mkdir(pods, { recursive: true, mode: PRIVATE_DIR_MODE });
  let cur = await openTrustedDir(pods);
  try {
    const levels = [uid, ...parts];
    for (const [i, name] of levels.entries()) {
      const { fh } = await mkdirAt(cur, name, i === levels.length - 1 ? leafMode : PRIVATE_DIR_MODE);
      await cur.close();
      cur = fh;
    }
  } finally {
    await cur.close().catch(() => undefined);
  }
  return join(target, ...parts);
}

/** Directories inside a pod directory that only staticlet and the runtime use. */
const POD_STATE_DIRS = ['volumes', 'plugins', 'containers', 'volume-subpaths'];

/**
 * Makes the root dir, `pods/` and every pod directory (with its state directories) private,
 * at every start: directories an earlier version or an operator left open to other users are
 * narrowed. Returns the directories it had to repair.
 */
export async function secureStateDirs(rootDir: string): Promise<string[]> {
  const repaired: string[] = [];
  const fix = async (dir: string): Promise<void> => {
    if (await ensurePrivateDir(dir, PRIVATE_DIR_MODE)) repaired.push(dir);
  };
  await fix(rootDir);
  const pods = podsDir({ rootDir });
  await fix(pods);
  for (const e of await readdir(pods, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = join(pods, e.name);
    await fix(dir);
    for (const sub of await readdir(dir, { withFileTypes: true })) {
      if (sub.isDirectory() && POD_STATE_DIRS.includes(sub.name)) await fix(join(dir, sub.name));
    }
  }
  return repaired;
}
