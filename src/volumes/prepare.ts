import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Pod } from '../api/generated/core-v1.js';
import type { NodeContext } from '../pods/context.js';
import { VolumeError } from './errors.js';
import type { PodVolumes, PreparedVolume } from './types.js';

/** <rootDir>/pods/<uid>: everything staticlet keeps on disk for one pod. */
export function podDir(node: Pick<NodeContext, 'rootDir'>, uid: string): string {
  return join(node.rootDir, 'pods', uid);
}

export function emptyDirPath(node: Pick<NodeContext, 'rootDir'>, uid: string, volume: string): string {
  return join(podDir(node, uid), 'volumes', 'kubernetes.io~empty-dir', volume);
}

/**
 * Host paths behind the pod's volumes, created where the volume type says so. Volume sources
 * other than hostPath and emptyDir are refused here with a reason rather than ignored.
 */
export async function prepareVolumes(pod: Pod, node: NodeContext): Promise<PodVolumes> {
  const uid = pod.metadata?.uid ?? '';
  const out = new Map<string, PreparedVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.emptyDir) {
      const p = emptyDirPath(node, uid, v.name);
      await mkdir(p, { recursive: true, mode: 0o777 });
      out.set(v.name, { hostPath: p });
    } else if (v.hostPath) {
      await checkHostPath(v.hostPath.path, v.hostPath.type ?? '', v.name);
      out.set(v.name, { hostPath: v.hostPath.path });
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      throw new VolumeError(`volume "${v.name}": ${kind} volumes are not supported by staticlet`);
    }
  }
  return out;
}

async function checkHostPath(path: string, type: string, volume: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  const fail = (what: string): never => {
    throw new VolumeError(`hostPath volume "${volume}": ${path} ${what}`);
  };
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('exists but is not a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        await writeFile(path, '', { mode: 0o644, flag: 'a' });
      } else if (!st.isFile()) fail('exists but is not a file');
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail('is not a directory');
      return;
    case 'File':
      if (!st?.isFile()) fail('is not a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail('is not a socket');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('is not a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('is not a block device');
      return;
    default:
      return;
  }
}

export async function removePodDir(node: Pick<NodeContext, 'rootDir'>, uid: string): Promise<void> {
  await rm(podDir(node, uid), { recursive: true, force: true });
}
