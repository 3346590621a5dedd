/** The pod conditions the kubelet owns, with its reasons and messages. */
import type { ContainerStatus, Pod, PodCondition, PodSpec, PodStatus } from '../api/generated/core-v1.js';
import type { PodSandboxStatus } from '../runtime/index.js';
import type { PodPhase } from './phase.js';
import { isSidecar } from './spec.js';
import { formatTime } from './time.js';

export const POD_READY_TO_START_CONTAINERS = 'PodReadyToStartContainers';
export const POD_INITIALIZED = 'Initialized';
export const POD_READY = 'Ready';
export const CONTAINERS_READY = 'ContainersReady';
export const POD_SCHEDULED = 'PodScheduled';

export const REASON_CONTAINERS_NOT_READY = 'ContainersNotReady';
export const REASON_CONTAINERS_NOT_INITIALIZED = 'ContainersNotInitialized';
export const REASON_READINESS_GATES_NOT_READY = 'ReadinessGatesNotReady';
export const REASON_POD_COMPLETED = 'PodCompleted';
export const REASON_POD_FAILED = 'PodFailed';

/** Condition types the kubelet writes; any other condition on the pod is someone else's. */
export const KUBELET_CONDITION_TYPES: ReadonlySet<string> = new Set([
  POD_SCHEDULED,
  POD_READY,
  POD_INITIALIZED,
  CONTAINERS_READY,
  POD_READY_TO_START_CONTAINERS,
  'PodResizePending',
  'PodResizeInProgress',
]);

type Status = 'True' | 'False';

function condition(type: string, status: Status, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status };
  if (reason !== undefined) c.reason = reason;
  if (message !== undefined) c.message = message;
  return c;
}

/** Go's %s of a string slice, which the kubelet's messages use: "[a b]". */
function list(names: readonly string[]): string {
  return `[${names.join(' ')}]`;
}

/**
 * True while the newest sandbox can host containers: it exists, is the only ready one, is
 * ready, matches the pod's network mode and, on the pod network, has an address.
 */
export function podReadyToStartContainers(spec: PodSpec, sandbox: PodSandboxStatus | undefined): PodCondition {
  const wantNetwork = spec.hostNetwork === true ? 'NODE' : 'POD';
  const ok =
    sandbox !== undefined &&
    sandbox.state === 'ready' &&
    (sandbox.namespaceOptions?.network ?? 'POD') === wantNetwork &&
    (spec.hostNetwork === true || sandbox.ip !== '');
  return condition(POD_READY_TO_START_CONTAINERS, ok ? 'True' : 'False');
}

/** Whether any app container has run (its status is running or terminated). */
export function hasAnyAppContainerStarted(spec: PodSpec, statuses: readonly ContainerStatus[]): boolean {
  const names = new Set(spec.containers.map((c) => c.name));
  return statuses.some((s) => names.has(s.name) && (s.state?.running !== undefined || s.state?.terminated !== undefined));
}

export function podInitializedCondition(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const s = byName.get(c.name);
    if (s === undefined) unknown.push(c.name);
    // A sidecar counts once started; a plain init container once it succeeded (ready).
    else if (isSidecar(c) ? s.started !== true : !s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return condition(POD_INITIALIZED, 'True', REASON_POD_COMPLETED);
  // App containers only ever start after initialization, so a restarting sidecar later on does
  // not make the pod uninitialized again.
  if (hasAnyAppContainerStarted(spec, statuses)) return condition(POD_INITIALIZED, 'True');
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${list(incomplete)}`);
  if (messages.length > 0) return condition(POD_INITIALIZED, 'False', REASON_CONTAINERS_NOT_INITIALIZED, messages.join(', '));
  return condition(POD_INITIALIZED, 'True');
}

export function containersReadyCondition(spec: PodSpec, statuses: readonly ContainerStatus[], phase: PodPhase): PodCondition {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const unknown: string[] = [];
  const unready: string[] = [];
  // Sidecars serve alongside the app, so their readiness counts; plain init containers' does not.
  const relevant = [...(spec.initContainers ?? []).filter(isSidecar), ...spec.containers];
  for (const c of relevant) {
    const s = byName.get(c.name);
    if (s === undefined) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return condition(CONTAINERS_READY, 'False', REASON_POD_COMPLETED);
  if (phase === 'Failed') return condition(CONTAINERS_READY, 'False', REASON_POD_FAILED);
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${list(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${list(unready)}`);
  if (messages.length > 0) return condition(CONTAINERS_READY, 'False', REASON_CONTAINERS_NOT_READY, messages.join(', '));
  return condition(CONTAINERS_READY, 'True');
}

/**
 * Ready mirrors ContainersReady unless that is True; then every readiness gate must name a
 * condition (among those generated so far) whose status is True.
 */
export function podReadyCondition(
  spec: PodSpec,
  conditionsSoFar: readonly PodCondition[],
  statuses: readonly ContainerStatus[],
  phase: PodPhase,
): PodCondition {
  const containersReady = containersReadyCondition(spec, statuses, phase);
  if (containersReady.status !== 'True') {
    return condition(POD_READY, containersReady.status as Status, containersReady.reason, containersReady.message);
  }
  const messages: string[] = [];
  for (const gate of spec.readinessGates ?? []) {
    const c = conditionsSoFar.find((x) => x.type === gate.conditionType);
    if (c === undefined) messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  if (messages.length > 0) return condition(POD_READY, 'False', REASON_READINESS_GATES_NOT_READY, messages.join(', '));
  return condition(POD_READY, 'True');
}

export interface ConditionInput {
  pod: Pod;
  sandbox: PodSandboxStatus | undefined;
  /** Init and app container statuses together. */
  statuses: readonly ContainerStatus[];
  phase: PodPhase;
}

/**
 * All conditions in the kubelet's order: conditions set by others on the pod first (kept
 * as they are), then PodReadyToStartContainers, Initialized, Ready, ContainersReady and
 * PodScheduled (always True: a static pod is bound to this node by definition).
 */
export function podConditions(input: ConditionInput): PodCondition[] {
  const spec = input.pod.spec ?? { containers: [] };
  const out: PodCondition[] = (input.pod.status?.conditions ?? [])
    .filter((c) => !KUBELET_CONDITION_TYPES.has(c.type))
    .map((c) => ({ ...c }));
  out.push(podReadyToStartContainers(spec, input.sandbox));
  out.push(podInitializedCondition(spec, input.statuses, input.phase));
  out.push(podReadyCondition(spec, out, input.statuses, input.phase));
  out.push(containersReadyCondition(spec, input.statuses, input.phase));
  out.push(condition(POD_SCHEDULED, 'True'));
  const generation = input.pod.metadata?.generation;
  if (generation !== undefined && Number.isInteger(generation) && generation > 0) {
    for (const c of out) if (KUBELET_CONDITION_TYPES.has(c.type)) c.observedGeneration = generation;
  }
  return out;
}

/**
 * Stamps kubelet-owned conditions with lastTransitionTime: kept from the previous status while
 * the condition's status is unchanged, otherwise now. Others' conditions keep their own times.
 */
export function stampTransitionTimes(conditions: PodCondition[], previous: PodStatus | undefined, now: number): void {
  const nowTime = formatTime(now);
  conditions.forEach((c, i) => {
    if (!KUBELET_CONDITION_TYPES.has(c.type)) return;
    const old = previous?.conditions?.find((p) => p.type === c.type);
    const time = old !== undefined && old.status === c.status && old.lastTransitionTime !== undefined ? old.lastTransitionTime : nowTime;
    if (time !== undefined) c.lastTransitionTime = time;
    conditions[i] = ordered(c);
  });
}

/** Field order of the API type, so serialised conditions read like the kubelet's. */
function ordered(c: PodCondition): PodCondition {
  const out: PodCondition = c.observedGeneration !== undefined
    ? { type: c.type, observedGeneration: c.observedGeneration, status: c.status }
    : { type: c.type, status: c.status };
  if (c.lastProbeTime !== undefined) out.lastProbeTime = c.lastProbeTime;
  if (c.lastTransitionTime !== undefined) out.lastTransitionTime = c.lastTransitionTime;
  if (c.reason !== undefined) out.reason = c.reason;
  if (c.message !== undefined) out.message = c.message;
  return out;
}

/** True when the status says the pod finished initializing. */
export function podIsInitialized(status: PodStatus | undefined): boolean {
  return status?.conditions?.some((c) => c.type === POD_INITIALIZED && c.status === 'True') ?? false;
}
