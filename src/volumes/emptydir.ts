import { chmod, realpath, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Volume } from '../api/generated/core-v1.js';
import type { NodeContext } from '../node/context.js';
import { VolumeError } from './errors.js';
import { emptyDirMemorySize } from './memory-size.js';
import { mountAt, mountTmpfs, readMounts } from './mountinfo.js';
import { nodeAllocatable } from './node-resources.js';
import { bytesOf } from './quantity.js';
import { setVolumeOwnership } from './ownership.js';
import { emptyDirPath, ensurePodSubdir, podDir } from './paths.js';

/**
 * emptyDir volumes are world-writable, like the kubelet's, so any container user can use them;
 * they sit inside the private pod directory, so no local user reaches them.
 */
const EMPTY_DIR_MODE = 0o777;

function readyMarker(node: Pick<NodeContext, 'rootDir'>, uid: string, volume: string): string {
  return join(podDir(node, uid), 'plugins', 'kubernetes.io~empty-dir', volume, 'ready');
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/**
 * Sets an emptyDir up once per pod: every container start calls this, and a second call must
 * neither remount nor re-own what the containers wrote. The ready marker records a finished
 * setup; for a memory-backed volume the mount table is checked too, because a reboot drops the
 * tmpfs but keeps the marker.
 */
export async function setupEmptyDir(pod: Pod, node: NodeContext, v: Volume): Promise<string> {
  const uid = pod.metadata?.uid ?? '';
  const dir = emptyDirPath(node, uid, v.name);
  const medium = v.emptyDir?.medium ?? '';
  if (medium !== '' && medium !== 'Memory') {
    throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : emptyDir medium "${medium}" is not supported by staticlet`);
  }
  const memory = medium === 'Memory';
  const marker = readyMarker(node, uid, v.name);
  const isTmpfs = async (): Promise<boolean> => mountAt(await readMounts(), await realpath(dir))?.fsType === 'tmpfs';
  if ((await exists(marker)) && (await exists(dir)) && (!memory || (await isTmpfs()))) return dir;

  try {
    await ensurePodSubdir(node, uid, ['volumes', 'kubernetes.io~empty-dir', v.name], EMPTY_DIR_MODE);
    // The process umask trims the mode mkdir gives; a mounted tmpfs root (1777) is left alone.
    if (((await stat(dir)).mode & 0o777) !== EMPTY_DIR_MODE) await chmod(dir, EMPTY_DIR_MODE);
    if (memory && !(await isTmpfs())) {
      const size = emptyDirMemorySize(pod, v.emptyDir?.sizeLimit, bytesOf((await nodeAllocatable(node)).memory) ?? 0n);
      await mountTmpfs(dir, size);
    }
    const sc = pod.spec?.securityContext;
    await setVolumeOwnership(dir, sc?.fsGroup, false, sc?.fsGroupChangePolicy);
    await ensurePodSubdir(node, uid, ['plugins', 'kubernetes.io~empty-dir', v.name]);
    await writeFile(marker, '');
  } catch (err) {
    if (err instanceof VolumeError) throw err;
    throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${(err as Error).message}`);
  }
  return dir;
}
