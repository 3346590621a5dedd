import type { Container, ContainerStatus, Pod, PodCondition } from '../api/generated/core-v1.js';
import { humanDuration, parseTime, since } from './human-duration.js';

/** The cells `kubectl get pods` derives from a pod; facts from kubectl's printPod. */
export interface PodSummary {
  namespace: string;
  name: string;
  /** ready/total, sidecars (restartable init containers) included. */
  ready: string;
  status: string;
  /** "3" or "3 (12s ago)". */
  restarts: string;
  age: string;
  ip: string;
  node: string;
}

export function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(conditions: PodCondition[] | undefined, type: string): boolean {
  // kubectl looks at the first condition of the type only.
  const c = conditions?.find((x) => x.type === type);
  return c?.status === 'True';
}

function anyConditionTrue(conditions: PodCondition[] | undefined, type: string): boolean {
  return conditions?.some((x) => x.type === type && x.status === 'True') ?? false;
}

/** Latest lastState.terminated.finishedAt over `statuses`, folded into `current` (ms). */
function latestRestart(statuses: ContainerStatus[], current: number | undefined): number | undefined {
  let latest = current;
  for (const s of statuses) {
    const t = parseTime(s.lastState?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

/** Init phase: the first init container that has not succeeded decides the STATUS. */
function initStatus(pod: Pod, specs: Map<string, Container>): { reason?: string; readySidecars: number } {
  const total = pod.spec?.initContainers?.length ?? 0;
  let readySidecars = 0;
  const statuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < statuses.length; i++) {
    const s = statuses[i]!;
    const terminated = s.state?.terminated;
    const waiting = s.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (isRestartableInit(specs.get(s.name)) && s.started === true) {
      if (s.ready) readySidecars++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) return { reason: `Init:${terminated.reason}`, readySidecars };
      if (terminated.signal) return { reason: `Init:Signal:${terminated.signal}`, readySidecars };
      return { reason: `Init:ExitCode:${terminated.exitCode}`, readySidecars };
    }
    if (waiting?.reason && waiting.reason !== 'PodInitializing') return { reason: `Init:${waiting.reason}`, readySidecars };
    return { reason: `Init:${i}/${total}`, readySidecars };
  }
  return { readySidecars };
}

export function summarizePod(pod: Pod, now: number): PodSummary {
  const status = pod.status ?? {};
  const specs = new Map((pod.spec?.initContainers ?? []).map((c) => [c.name, c]));
  const initStatuses = status.initContainerStatuses ?? [];
  const sidecarStatuses = initStatuses.filter((s) => isRestartableInit(specs.get(s.name)));

  let reason: string = status.phase ?? '';
  if (status.reason) reason = status.reason;
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const total = (pod.spec?.containers.length ?? 0) + [...specs.values()].filter(isRestartableInit).length;
  let restarts = initStatuses.reduce((n, s) => n + s.restartCount, 0);
  let lastRestart = latestRestart(initStatuses, undefined);

  const init = initStatus(pod, specs);
  let ready = init.readySidecars;
  const initializing = init.reason !== undefined;
  if (init.reason !== undefined) reason = init.reason;

  if (!initializing || conditionTrue(status.conditions, 'Initialized')) {
    // Once initialized, only sidecars among init containers still count towards restarts.
    restarts = sidecarStatuses.reduce((n, s) => n + s.restartCount, 0);
    lastRestart = latestRestart(sidecarStatuses, undefined);
    let hasRunning = false;
    let errorReason = '';
    const containers = status.containerStatuses ?? [];
    // Backwards, so the first container's state wins, as in kubectl.
    for (let i = containers.length - 1; i >= 0; i--) {
      const c = containers[i]!;
      restarts += c.restartCount;
      lastRestart = latestRestart([c], lastRestart);
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        reason = terminated.reason || (terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`);
        if (terminated.exitCode !== 0) errorReason = reason;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed') {
      if (hasRunning && anyConditionTrue(status.conditions, 'Ready')) reason = 'Running';
      else if (errorReason) reason = errorReason;
      else if (hasRunning) reason = 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  }

  const restartsCell = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return {
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    ready: `${ready}/${total}`,
    status: reason,
    restarts: restartsCell,
    // Static pods that never reached an API server have no creationTimestamp; startTime is the
    // next best "how long has this existed".
    age: since(pod.metadata?.creationTimestamp ?? status.startTime, now),
    ip: status.podIPs?.[0]?.ip || status.podIP || '<none>',
    node: pod.spec?.nodeName || '<none>',
  };
}
