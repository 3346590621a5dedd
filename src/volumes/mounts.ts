import type { Container, VolumeMount } from '../api/generated/core-v1.js';
import type { Mount } from '../runtime/index.js';
import { VolumeError } from './errors.js';
import { join } from 'node:path';
import { bindSubPath, expandSubPathExpr } from './subpath.js';
import type { PodVolumes } from './types.js';

const PROPAGATION: Readonly<Record<NonNullable<VolumeMount['mountPropagation']>, NonNullable<Mount['propagation']>>> = {
  None: 'private',
  HostToContainer: 'host-to-container',
  Bidirectional: 'bidirectional',
};

/**
 * The CRI mounts of one container from its volumeMounts. `env` holds the container's resolved
 * environment, which subPathExpr expands against. recursiveReadOnly IfPossible degrades to a
 * plain read-only mount (Enabled is refused at validation: the runtime cannot do it).
 * subPath mounts are bind mounts made under `podDir`, in the kubelet's layout
 * `volume-subpaths/<volume>/<container>/<index of the volumeMount>`.
 */
export async function containerMounts(container: Container, volumes: PodVolumes, env: ReadonlyMap<string, string>, podDir: string): Promise<Mount[]> {
  const out: Mount[] = [];
  for (const [index, m] of (container.volumeMounts ?? []).entries()) {
    const vol = volumes.get(m.name);
    const where = `volumeMount "${m.name}" of container "${container.name}"`;
    if (vol === undefined) throw new VolumeError(`${where}: no volume named "${m.name}"`);
    let sub = m.subPath ?? '';
    if (m.subPathExpr) {
      const { value, missing } = expandSubPathExpr(m.subPathExpr, env);
      if (missing.length > 0) throw new VolumeError(`${where}: subPathExpr "${m.subPathExpr}": missing value for ${missing.join(', ')}`);
      sub = value;
    }
    let hostPath = vol.hostPath;
    if (sub !== '') {
      try {
        hostPath = await bindSubPath(vol.hostPath, sub, join(podDir, 'volume-subpaths', m.name, container.name, String(index)));
      } catch (err) {
        throw new VolumeError(`${where}: ${(err as Error).message}`);
      }
    }
    out.push({
      containerPath: m.mountPath,
      hostPath,
      readonly: (m.readOnly ?? false) || (vol.readOnly ?? false),
      propagation: PROPAGATION[m.mountPropagation ?? 'None'],
    });
  }
  return out;
}
