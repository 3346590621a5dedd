/** Runtime container instances grouped by the pod container they belong to. */
import { CONTAINER_NAME_LABEL, parseContainerAnnotations, type ContainerStatus as RuntimeContainer, type PodSandboxStatus } from '../runtime/index.js';

/** The pod container an instance was created for; the label is what the kubelet itself reads. */
export function containerNameOf(c: Pick<RuntimeContainer, 'labels' | 'metadata'>): string {
  return c.labels[CONTAINER_NAME_LABEL] ?? c.metadata.name;
}

/** Restart count recorded on the instance when it was created (0 when absent or malformed). */
export function restartCountOf(c: RuntimeContainer): number {
  return parseContainerAnnotations(c.annotations).restartCount ?? 0;
}

/**
 * The instance never ran: created and not started, or its start failed (CRI EXITED without a
 * start time: containerd's StartError, which is also what a StartContainer cut short by its
 * caller's death leaves). Making it again is no restart: restartCount counts runs.
 */
export function neverStarted(c: Pick<RuntimeContainer, 'state' | 'startedAt'>): boolean {
  return c.state === 'created' || (c.state === 'exited' && !(c.startedAt > 0));
}

/** Newest first: by creation time, then by restart count for instances created in the same ms. */
export function compareNewestFirst(a: RuntimeContainer, b: RuntimeContainer): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return restartCountOf(b) - restartCountOf(a);
}

/** Instances per container name, each list newest first. */
export function groupInstances<T extends RuntimeContainer>(containers: readonly T[]): Map<string, T[]> {
  const byName = new Map<string, T[]>();
  for (const c of containers) {
    const name = containerNameOf(c);
    const list = byName.get(name);
    if (list === undefined) byName.set(name, [c]);
    else list.push(c);
  }
  for (const list of byName.values()) list.sort(compareNewestFirst);
  return byName;
}

/**
 * Whether an instance belongs to the current sandbox. Instances do not carry their sandbox ID
 * here, but a container can only be created inside an existing sandbox and an old sandbox's
 * containers are all created before its replacement, so creation time tells them apart.
 */
export function inSandbox(c: RuntimeContainer, sandbox: PodSandboxStatus | undefined): boolean {
  return sandbox !== undefined && c.createdAt >= sandbox.createdAt;
}
