import type { Container, Pod } from '../api/generated/core-v1.js';
import { bytesOf } from './quantity.js';

/**
 * The pod's memory limit as its cgroup would get it: only when every container declares one
 * (otherwise the pod is unbounded); sidecars run alongside the app containers and alongside
 * the init containers that follow them. A pod-level limit (spec.resources) takes precedence.
 */
export function podMemoryLimit(pod: Pod): bigint | undefined {
  const spec = pod.spec;
  if (!spec) return undefined;
  const podLevel = bytesOf(spec.resources?.limits?.memory);
  if (podLevel !== undefined) return podLevel;
  const limit = (c: Container): bigint | undefined => bytesOf(c.resources?.limits?.memory);
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  if (all.length === 0 || all.some((c) => limit(c) === undefined)) return undefined;
  let sidecars = 0n;
  let initPeak = 0n;
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === 'Always') sidecars += limit(c)!;
    else if (sidecars + limit(c)! > initPeak) initPeak = sidecars + limit(c)!;
  }
  const apps = spec.containers.reduce((sum, c) => sum + limit(c)!, sidecars);
  return apps > initPeak ? apps : initPeak;
}

/**
 * Size of a memory-backed emptyDir, the kubelet's rule: node allocatable memory, lowered to the
 * pod's memory limit, lowered again to the volume's sizeLimit; a bound only applies when it is
 * positive and smaller than the one before.
 */
export function emptyDirMemorySize(pod: Pod, sizeLimit: string | number | undefined, allocatable: bigint): bigint {
  let size = allocatable;
  const podLimit = podMemoryLimit(pod);
  if (podLimit !== undefined && podLimit > 0n && podLimit <= size) size = podLimit;
  const volLimit = bytesOf(sizeLimit);
  if (volLimit !== undefined && volLimit > 0n && volLimit <= size) size = volLimit;
  return size;
}
