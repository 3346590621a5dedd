import { lstat, readdir, realpath } from 'node:fs/promises';
import type { Pod, Volume } from '../api/generated/core-v1.js';
import { isSafePathComponent } from '../lib/path-component.js';
import type { NodeContext } from '../node/context.js';
import { writeAtomic, type FilePayload } from './atomic-writer.js';
import { downwardApiPayload } from './downward-api.js';
import { setupEmptyDir } from './emptydir.js';
import { VolumeError } from './errors.js';
import { checkHostPathType } from './hostpath.js';
import { mountsUnder, readMounts, unmount } from './mountinfo.js';
import { nodeAllocatable, type Allocatable } from './node-resources.js';
import { ensurePodSubdir, podDir, podsDir, volumeDir } from './paths.js';
import { removeTree } from '../safepath/index.js';
import type { PodVolumes, PreparedVolume } from './types.js';

export { emptyDirPath, podDir } from './paths.js';

const setUpFailed = (v: Volume, why: string): VolumeError => new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${why}`);

/**
 * Host paths behind the pod's volumes, created and checked as the volume type says. Called
 * before every container start: it never remounts or wipes what exists, and rewrites
 * downwardAPI files only when their content changed. Sources validation lets through but that
 * staticlet cannot provide are refused here too, in case validation is bypassed.
 */
export async function prepareVolumes(pod: Pod, node: NodeContext): Promise<PodVolumes> {
  const out = new Map<string, PreparedVolume>();
  const resources = lazyResources(node);
  for (const v of pod.spec?.volumes ?? []) {
    if (v.emptyDir) {
      out.set(v.name, { hostPath: await setupEmptyDir(pod, node, v) });
    } else if (v.hostPath) {
      const why = await checkHostPathType(v.hostPath.path, v.hostPath.type ?? '');
      if (why !== undefined) throw setUpFailed(v, why);
      out.set(v.name, { hostPath: v.hostPath.path });
    } else if (v.downwardAPI || v.projected) {
      out.set(v.name, await writeDownwardApiVolume(pod, node, v, resources));
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      throw new VolumeError(`volume "${v.name}": ${kind} volumes are not supported by staticlet`);
    }
  }
  return out;
}

/**
 * Rewrites the downwardAPI and projected volumes of a running pod whose labels or annotations
 * may have changed. Cheap when nothing changed: the last payload written is remembered.
 */
export async function refreshVolumes(pod: Pod, node: NodeContext): Promise<void> {
  const resources = lazyResources(node);
  for (const v of pod.spec?.volumes ?? []) {
    if (v.downwardAPI || v.projected) await writeDownwardApiVolume(pod, node, v, resources);
  }
}

function lazyResources(node: NodeContext): () => Promise<Allocatable> {
  let p: Promise<Allocatable> | undefined;
  return () => (p ??= nodeAllocatable(node));
}

/** Volume dir → fingerprint of the payload last written there. */
const written = new Map<string, string>();

function fingerprint(payload: ReadonlyMap<string, FilePayload>, gid: number | undefined): string {
  const parts = [...payload].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, f]) => `${p}\0${f.mode}\0${f.content.toString('base64')}`);
  return `${gid ?? ''}\n${parts.join('\n')}`;
}

const needsResources = (v: Volume): boolean =>
  (v.downwardAPI?.items ?? []).some((i) => i.resourceFieldRef) ||
  (v.projected?.sources ?? []).some((s) => (s.downwardAPI?.items ?? []).some((i) => i.resourceFieldRef));

async function writeDownwardApiVolume(pod: Pod, node: NodeContext, v: Volume, resources: () => Promise<Allocatable>): Promise<PreparedVolume> {
  const uid = pod.metadata?.uid ?? '';
  const res = needsResources(v) ? await resources() : {};
  let dir: string;
  let payload: Map<string, FilePayload>;
  if (v.downwardAPI) {
    dir = volumeDir(node, uid, 'downward-api', v.name);
    await ensurePodSubdir(node, uid, ['volumes', 'kubernetes.io~downward-api']);
    payload = downwardApiPayload(pod, v.name, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode, res);
  } else {
    dir = volumeDir(node, uid, 'projected', v.name);
    await ensurePodSubdir(node, uid, ['volumes', 'kubernetes.io~projected']);
    payload = new Map();
    for (const s of v.projected?.sources ?? []) {
      const other = Object.keys(s).find((k) => k !== 'downwardAPI');
      if (other !== undefined) throw setUpFailed(v, `projected ${other} sources are not supported by staticlet`);
      downwardApiPayload(pod, v.name, s.downwardAPI?.items ?? [], v.projected?.defaultMode, res, payload);
    }
  }
  const gid = pod.spec?.securityContext?.fsGroup;
  const fp = fingerprint(payload, gid);
  if (written.get(dir) !== fp) {
    try {
      await writeAtomic(dir, payload, gid === undefined ? {} : { gid });
    } catch (err) {
      throw setUpFailed(v, (err as Error).message);
    }
    written.set(dir, fp);
  }
  return { hostPath: dir, readOnly: true };
}

/**
 * Removes the pod's directory. Whatever is mounted below it (memory-backed emptyDirs) is
 * unmounted first, found in the kernel's mount table so that this also works for pods a
 * restarted supervisor adopted. If anything stays mounted the directory is left alone: a
 * recursive delete must never descend into a mount. hostPath volumes live outside the pod
 * directory and are never touched. The removal never follows a link: whatever a container
 * planted in an emptyDir, only the pod directory's own entries go.
 */
export async function removePodDir(node: Pick<NodeContext, 'rootDir'>, uid: string): Promise<void> {
  // podDir refuses such a UID: no directory of it is ours to remove.
  if (!isSafePathComponent(uid)) return;
  const dir = podDir(node, uid);
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined) return;
  for (const m of mountsUnder(await readMounts(), real)) await unmount(m.mountPoint);
  const left = mountsUnder(await readMounts(), real);
  if (left.length > 0) throw new Error(`cannot remove ${dir}: still mounted: ${left.map((m) => m.mountPoint).join(', ')}`);
  await removeTree(dir);
  for (const k of written.keys()) if (k.startsWith(`${dir}/`)) written.delete(k);
}

/**
 * Removes the directories of pods that are neither desired nor running (their removal was
 * interrupted, or happened while staticlet was down and the runtime lost the pod too).
 * Returns the UIDs removed.
 */
export async function cleanupOrphanedPodDirs(node: Pick<NodeContext, 'rootDir'>, live: ReadonlySet<string>): Promise<string[]> {
  const base = podsDir(node);
  const names = await readdir(base).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const uid of names) {
    if (live.has(uid) || !isSafePathComponent(uid)) continue;
    if (!(await lstat(podDir(node, uid)).then((s) => s.isDirectory(), () => false))) continue;
    await removePodDir(node, uid);
    removed.push(uid);
  }
  return removed;
}
