/** Pod phase from container statuses, by the kubelet's rules. */
import type { ContainerStatus, PodSpec } from '../api/generated/core-v1.js';
import { podRestartPolicy, isSidecar } from './spec.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/**
 * The phase the kubelet derives before any terminal verdict is applied.
 *
 * `statuses` holds init and app container statuses together (names are unique across both).
 * `podHasInitialized` says an app container of the current sandbox has been created: a sidecar
 * restarting after that must not drag the pod back to Pending.
 */
export function computePhase(spec: PodSpec, statuses: readonly ContainerStatus[], podHasInitialized: boolean): PodPhase {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const initContainers = spec.initContainers ?? [];

  let pendingInit = 0;
  let failedInit = 0;
  for (const c of initContainers) {
    if (isSidecar(c)) continue;
    const s = byName.get(c.name);
    const st = s?.state;
    if (st?.running !== undefined) pendingInit++;
    else if (st?.terminated !== undefined) {
      if (st.terminated.exitCode !== 0) failedInit++;
    } else if (st?.waiting !== undefined) {
      const last = s?.lastState?.terminated;
      if (last === undefined) pendingInit++;
      else if (last.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }

  let pendingSidecars = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;

  for (const c of initContainers) {
    if (!isSidecar(c)) continue;
    const s = byName.get(c.name);
    const st = s?.state;
    if (s === undefined) {
      unknown++;
    } else if (st?.running !== undefined) {
      if (s.started !== true) pendingSidecars++;
      running++;
    } else if (st?.terminated !== undefined) {
      // A stopped sidecar does not decide the phase: the app containers do.
    } else if (st?.waiting !== undefined) {
      if (s.lastState?.terminated === undefined) {
        pendingSidecars++;
        waiting++;
      }
    } else {
      pendingSidecars++;
      unknown++;
    }
  }

  for (const c of spec.containers) {
    const s = byName.get(c.name);
    const st = s?.state;
    if (s === undefined) {
      unknown++;
    } else if (st?.running !== undefined) {
      running++;
    } else if (st?.terminated !== undefined) {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if (st?.waiting !== undefined) {
      // Waiting to be restarted after a run counts as stopped (e.g. CrashLoopBackOff).
      if (s.lastState?.terminated !== undefined) stopped++;
      else waiting++;
    } else {
      unknown++;
    }
  }

  const policy = podRestartPolicy(spec);
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || (pendingSidecars > 0 && !podHasInitialized) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    // OnFailure: the failed ones are being restarted.
    return 'Running';
  }
  return 'Pending';
}
