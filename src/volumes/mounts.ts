import { join } from 'node:path';
import type { Container } from '../api/generated/core-v1.js';
import type { Mount } from '../runtime/index.js';
import { VolumeError } from './errors.js';
import type { PodVolumes } from './types.js';

/**
 * The CRI mounts of one container from its volumeMounts. `env` holds the container's resolved
 * environment, which subPathExpr expands against.
 */
export async function containerMounts(container: Container, volumes: PodVolumes, _env: ReadonlyMap<string, string>): Promise<Mount[]> {
  return (container.volumeMounts ?? []).map((m) => {
    const vol = volumes.get(m.name);
    if (vol === undefined) throw new VolumeError(`volumeMount ${m.mountPath}: no volume named "${m.name}"`);
    return {
      containerPath: m.mountPath,
      hostPath: m.subPath ? join(vol.hostPath, m.subPath) : vol.hostPath,
      readonly: m.readOnly ?? false,
    };
  });
}
