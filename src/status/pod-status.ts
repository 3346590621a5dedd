/** The whole pod status from one observation: a pure function of what the worker knows. */
import type { ContainerStatus, Pod, PodSpec, PodStatus } from '../api/generated/core-v1.js';
import { appContainerStatuses, initContainerStatuses, type ContainerStatusInput } from './containers.js';
import { capTerminationMessages } from './messages.js';
import { podConditions, stampTransitionTimes } from './conditions.js';
import { containerNameOf, groupInstances, inSandbox } from './instances.js';
import { podAddresses } from './network.js';
import { computePhase, type PodPhase } from './phase.js';
import { qosClass } from './qos.js';
import { formatTime } from './time.js';
import type { PodObservation } from './types.js';

export interface ComputeOptions {
  /** Runtime name used as the container ID scheme (`<runtimeName>://<id>`). */
  runtimeName?: string;
}

export const DEFAULT_RUNTIME_NAME = 'containerd';

function isTerminal(phase: PodStatus['phase']): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}

interface PhaseVerdict {
  phase: PodPhase;
  reason?: string;
  message?: string;
}

/**
 * The worker's terminal verdict wins; otherwise a terminal previous phase sticks (pods never
 * leave Succeeded/Failed). The reason and message belong to the phase, so they carry over
 * while the phase does.
 */
function decidePhase(obs: PodObservation, derived: PodPhase): PhaseVerdict {
  const prev = obs.previous;
  let phase: PodPhase = derived;
  if (obs.terminal !== undefined) phase = obs.terminal.phase;
  else if (isTerminal(prev?.phase)) phase = prev.phase;
  else if (obs.admission !== undefined) {
    // Not admitted yet: nothing ran, so only the refusal describes the pod.
    const v: PhaseVerdict = { phase: 'Pending', reason: obs.admission.reason };
    if (obs.admission.message) v.message = obs.admission.message;
    return v;
  }
  // An admission refusal belongs to the wait, not to the phase: it ends when the pod is admitted.
  const samePhase = prev?.phase === phase && !(phase === 'Pending' && prev?.containerStatuses === undefined);
  const reason = obs.terminal?.reason ?? (samePhase ? prev?.reason : undefined);
  const message = obs.terminal?.message ?? (samePhase ? prev?.message : undefined);
  const v: PhaseVerdict = { phase };
  if (reason !== undefined && reason !== '') v.reason = reason;
  if (message !== undefined && message !== '') v.message = message;
  return v;
}

/**
 * An app container created in the current sandbox proves initialization finished there, so a
 * sidecar restarting afterwards must not send the pod back to Pending.
 */
function podHasInitialized(spec: PodSpec, obs: PodObservation): boolean {
  const appNames = new Set(spec.containers.map((c) => c.name));
  return obs.containers.some((c) => appNames.has(containerNameOf(c)) && inSandbox(c, obs.sandbox));
}

function startTime(obs: PodObservation): string | undefined {
  // Once published, the start time never moves.
  return obs.previous?.startTime ?? formatTime(obs.startTime ?? obs.now) ?? formatTime(obs.now);
}

/** Computes the pod's status the way the kubelet would publish it. */
export function computePodStatus(obs: PodObservation, opts: ComputeOptions = {}): PodStatus {
  const pod: Pod = obs.pod;
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const instances = groupInstances(obs.containers);
  const base: Omit<ContainerStatusInput, 'previous'> = {
    pod,
    instances,
    waiting: obs.waiting,
    probes: obs.probes ?? {},
    runtimeName: opts.runtimeName ?? DEFAULT_RUNTIME_NAME,
  };
  const initStatuses = initContainerStatuses({ ...base, previous: obs.previous?.initContainerStatuses });
  const appStatuses = appContainerStatuses({ ...base, previous: obs.previous?.containerStatuses });
  const all: ContainerStatus[] = [...initStatuses, ...appStatuses];
  capTerminationMessages(spec, all);

  const verdict = decidePhase(obs, computePhase(spec, all, podHasInitialized(spec, obs)));
  const conditions = podConditions({ pod, sandbox: obs.sandbox, statuses: all, phase: verdict.phase });
  stampTransitionTimes(conditions, obs.previous, obs.now);

  const status: PodStatus = { phase: verdict.phase, conditions };
  if (verdict.message !== undefined) status.message = verdict.message;
  if (verdict.reason !== undefined) status.reason = verdict.reason;
  Object.assign(status, podAddresses(spec, obs.sandbox, obs.hostIP));
  const start = startTime(obs);
  if (start !== undefined) status.startTime = start;
  // Like a pod the kubelet refused at admission, a waiting pod has no container statuses, so
  // tables show its reason (OutOfpods...) rather than ContainerCreating.
  if (obs.admission === undefined) {
    if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
    status.containerStatuses = appStatuses;
  }
  status.qosClass = qosClass(spec);
  const generation = pod.metadata?.generation;
  if (generation !== undefined && Number.isInteger(generation) && generation > 0) status.observedGeneration = generation;
  return status;
}
