/**
 * Node-wide container garbage collection (the kubelet's containerGC, every minute): the dead
 * instances of each container beyond the policy the pod worker applies at every sync
 * (pods/plan.ts instancesBeyondPolicy), older than the minimum age, then sandboxes that are not
 * ready, not their pod's newest and hold no container. A worker that is idle (a pod in a long
 * crash-loop back-off, or stopped syncing) leaves garbage that this pass still finds; a
 * removal racing the worker's own is harmless (NotFound is ignored).
 */
import { ignoreNotFound } from '../pods/kill.js';
import { instancesBeyondPolicy } from '../pods/plan.js';
import { groupInstances } from '../status/instances.js';
import { managedSelector, POD_UID_LABEL, type Runtime } from '../runtime/index.js';
import type { ContainerInstance } from '../pods/instances.js';
import type { JobOutcome } from './scheduler.js';

export interface ContainerGCPolicy {
  /** The kubelet's --minimum-container-ttl-duration: 0. */
  minAgeMs: number;
}

export interface ContainerGCDeps {
  runtime: Pick<Runtime, 'listContainers' | 'containerStatus' | 'containerStats' | 'removeContainer' | 'listPodSandboxes' | 'removePodSandbox'>;
  policy: ContainerGCPolicy;
  now?: () => number;
}

export async function collectContainers(deps: ContainerGCDeps): Promise<JobOutcome> {
  const { runtime } = deps;
  const now = (deps.now ?? Date.now)();
  const selector = { labelSelector: managedSelector() };
  const containers = await runtime.listContainers(selector);
  // Per pod UID, then per container name; a single instance is never garbage.
  const byPod = new Map<string, typeof containers>();
  for (const c of containers) {
    const uid = c.labels[POD_UID_LABEL];
    if (!uid) continue;
    const list = byPod.get(uid);
    if (list) list.push(c);
    else byPod.set(uid, [c]);
  }
  let removed = 0;
  let freed = 0;
  const left = new Set(containers.map((c) => c.id));
  for (const list of byPod.values()) {
    if (list.length < 2) continue;
    // Start times are only in ContainerStatus: read them for pods with more than one instance.
    const detailed: ContainerInstance[] = [];
    for (const c of list) {
      const st = await runtime.containerStatus(c.id).catch(() => undefined);
      if (st) detailed.push({ ...st, podSandboxId: c.podSandboxId });
    }
    for (const instances of groupInstances(detailed).values()) {
      for (const dead of instancesBeyondPolicy(instances)) {
        if (dead.state === 'running') continue;
        if (now - (dead.finishedAt || dead.createdAt) < deps.policy.minAgeMs) continue;
        // The writable layer is what removal gives back; a runtime that has no figure for a dead container counts 0.
        const stats = await runtime.containerStats(dead.id).catch(() => undefined);
        await ignoreNotFound(runtime.removeContainer(dead.id));
        left.delete(dead.id);
        freed += stats?.writableLayerUsedBytes ?? 0;
        removed++;
      }
    }
  }
  const sandboxes = await runtime.listPodSandboxes(selector);
  const holding = new Set(containers.filter((c) => left.has(c.id)).map((c) => c.podSandboxId));
  const newest = new Map<string, { id: string; createdAt: number; attempt: number }>();
  for (const s of sandboxes) {
    const uid = s.labels[POD_UID_LABEL] ?? s.metadata.uid;
    const n = newest.get(uid);
    const attempt = s.metadata.attempt ?? 0;
    if (!n || attempt > n.attempt || (attempt === n.attempt && s.createdAt > n.createdAt)) newest.set(uid, { id: s.id, createdAt: s.createdAt, attempt });
  }
  let sandboxesRemoved = 0;
  for (const s of sandboxes) {
    const uid = s.labels[POD_UID_LABEL] ?? s.metadata.uid;
    if (s.state === 'ready' || holding.has(s.id) || newest.get(uid)?.id === s.id) continue;
    await ignoreNotFound(runtime.removePodSandbox(s.id));
    sandboxesRemoved++;
  }
  return {
    freedBytes: freed,
    removed: removed + sandboxesRemoved,
    message: `${removed} dead container(s), ${sandboxesRemoved} sandbox(es) removed`,
  };
}
