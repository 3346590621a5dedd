import type { Container, LifecycleHandler, Pod } from '../api/generated/core-v1.js';
import { isSafePathComponent } from '../lib/path-component.js';
import { isNotFound, parseContainerAnnotations, type ContainerStatus } from '../runtime/index.js';
import { gracePeriodSeconds, DEFAULT_TERMINATION_GRACE_SECONDS } from './container-config.js';
import type { PodDeps } from './deps.js';
import { runHook } from './hooks.js';
import { containerName, type ContainerInstance, type PodRuntimeState } from './instances.js';
import { podLogDir, markPodLogsRemoved } from './log-paths.js';
import { isSidecar } from './plan.js';
import { removePodDir } from '../volumes/index.js';

/** The kubelet never gives a container less than this to stop after its preStop hook. */
export const MIN_GRACE_SECONDS = 2;
/** Extra time the runtime gets on top of the grace period before the StopContainer call fails. */
const STOP_CALL_SLACK_MS = 30_000;

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/** Just what stopping a container needs; a container started a moment ago has no status yet. */
export type KillTarget = Pick<ContainerStatus, 'id' | 'state' | 'labels' | 'annotations' | 'metadata'>;

export function fieldPathOf(pod: Pod | undefined, name: string): string | undefined {
  if (!pod?.spec) return undefined;
  if (pod.spec.containers.some((c) => c.name === name)) return `spec.containers{${name}}`;
  if ((pod.spec.initContainers ?? []).some((c) => c.name === name)) return `spec.initContainers{${name}}`;
  return undefined;
}

function specOf(pod: Pod | undefined, name: string): Container | undefined {
  return [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])].find((c) => c.name === name);
}

/**
 * Stops one container the kubelet's way: Killing event, preStop hook inside the grace period,
 * then StopContainer with what is left (at least MIN_GRACE_SECONDS). Without the manifest (an
 * orphan found after a restart) the handler and grace period come from the container's
 * annotations.
 */
export async function killContainer(
  deps: PodDeps,
  ref: PodRef,
  pod: Pod | undefined,
  inst: KillTarget,
  message: string,
  graceSeconds?: number,
  podIP = '',
): Promise<void> {
  const name = containerName(inst);
  const notes = parseContainerAnnotations(inst.annotations);
  const spec = specOf(pod, name);
  const grace = graceSeconds ?? (pod ? gracePeriodSeconds(pod) : (notes.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS));
  const fieldPath = fieldPathOf(pod, name);
  const target = { ...ref, ...(fieldPath ? { fieldPath } : {}) };
  deps.events.record(target, 'Normal', 'Killing', message);
  let remaining = grace;
  const preStop: LifecycleHandler | undefined = spec ? spec.lifecycle?.preStop : parsePreStop(notes.preStopHandlerJson);
  if (preStop && inst.state === 'running' && grace > 0) {
    const started = deps.now();
    try {
      await runHook(preStop, { runtime: deps.runtime, containerId: inst.id, container: spec ?? { name }, podIP: podIP || deps.node.hostIP }, grace * 1000);
    } catch (err) {
      deps.events.record(target, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${(err as Error).message}`);
    }
    remaining = Math.max(MIN_GRACE_SECONDS, grace - Math.floor((deps.now() - started) / 1000));
  }
  try {
    await deps.runtime.stopContainer(inst.id, remaining, { timeoutMs: remaining * 1000 + STOP_CALL_SLACK_MS });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function parsePreStop(json: string | undefined): LifecycleHandler | undefined {
  if (!json) return undefined;
  try {
    return JSON.parse(json) as LifecycleHandler;
  } catch {
    return undefined;
  }
}

/**
 * The first half of taking a pod down for good (removePod is the second): app containers
 * together, then sidecars one by one in reverse order, all inside one grace budget; then its
 * sandboxes. Nothing of the pod runs afterwards.
 */
export async function stopPod(deps: PodDeps, ref: PodRef, pod: Pod | undefined, state: PodRuntimeState): Promise<void> {
  const running = state.containers.filter((c) => c.state === 'running');
  const sidecarOrder = (pod?.spec?.initContainers ?? []).filter(isSidecar).map((c) => c.name);
  const sidecars = sidecarOrder
    .slice()
    .reverse()
    .map((n) => running.find((c) => containerName(c) === n))
    .filter((c): c is ContainerInstance => c !== undefined);
  const others = running.filter((c) => !sidecars.includes(c));
  const budget = pod ? gracePeriodSeconds(pod) : undefined;
  const started = deps.now();
  const left = (): number | undefined => (budget === undefined ? undefined : Math.max(MIN_GRACE_SECONDS, budget - Math.floor((deps.now() - started) / 1000)));
  const podIP = state.sandboxes[0]?.ip ?? '';
  await Promise.all(others.map((c) => killContainer(deps, ref, pod, c, `Stopping container ${containerName(c)}`, budget, podIP)));
  for (const c of sidecars) await killContainer(deps, ref, pod, c, `Stopping container ${containerName(c)}`, left(), podIP);
  for (const sb of state.sandboxes) await ignoreNotFound(deps.runtime.stopPodSandbox(sb.id));
}

/** Removes a stopped pod's containers, sandboxes and directory; log files stay for the retention period. */
export async function removePod(deps: PodDeps, ref: PodRef, state: PodRuntimeState): Promise<void> {
  for (const c of state.containers) await ignoreNotFound(deps.runtime.removeContainer(c.id));
  for (const sb of state.sandboxes) await ignoreNotFound(deps.runtime.removePodSandbox(sb.id));
  // A UID from runtime labels may be anything; podLogDir refuses one that names no directory of ours.
  if (isSafePathComponent(ref.uid)) await markPodLogsRemoved(podLogDir(deps.node.podLogsDir, ref.namespace, ref.name, ref.uid));
  await removePodDir(deps.node, ref.uid);
}

export async function ignoreNotFound(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
