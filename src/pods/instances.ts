import type { ContainerStatus, PodSandboxStatus } from '../runtime/index.js';
import { containerNameOf, groupInstances, neverStarted, restartCountOf } from '../status/instances.js';
import { parseContainerAnnotations } from '../runtime/index.js';

/** A runtime container plus the sandbox it belongs to (ContainerStatus alone does not say). */
export interface ContainerInstance extends ContainerStatus {
  podSandboxId: string;
}

/** Everything the runtime holds for one pod UID. */
export interface PodRuntimeState {
  /** Newest first. */
  sandboxes: PodSandboxStatus[];
  containers: ContainerInstance[];
}

// Status and the pod worker must agree on which instance is "the current one".
export { containerNameOf as containerName, neverStarted, restartCountOf };

export function hashOf(c: ContainerStatus): string | undefined {
  return parseContainerAnnotations(c.annotations).hash;
}

export function sandboxesNewestFirst(list: readonly PodSandboxStatus[]): PodSandboxStatus[] {
  return [...list].sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0) || b.createdAt - a.createdAt);
}

/** Instances per container name, newest first. */
export function byName<T extends ContainerStatus>(list: readonly T[]): Map<string, T[]> {
  return groupInstances(list);
}
