import type { Pod } from '../api/generated/core-v1.js';
import type { PodEvent } from '../events/types.js';
import { writeContainers, writeResources } from './describe-containers.js';
import { writeVolumes } from './describe-volumes.js';
import { PrefixWriter, rfc1123z, writeAnnotations, writeLabels, writeTolerations, type TimeFormat } from './describe-writer.js';
import { parseTime, since } from './human-duration.js';
import { qosClass } from '../status/index.js';
import { START_PHASES, type StartBreakdown } from '../pods/start-phases.js';

export interface DescribeOptions extends TimeFormat {
  now: number;
  /** The pod's last start, phase by phase, when this staticlet timed one. */
  startPhases?: StartBreakdown;
}

/** staticlet's own section: where the pod's last start went (staticlet_pod_start_phase_duration_seconds). */
function writeStartPhases(w: PrefixWriter, b: StartBreakdown): void {
  const secs = (v: number): string => `${v.toFixed(3)}s`;
  w.write(0, `Start Phases:\t(running after ${secs(b.running)}, ready after ${secs(b.ready)})\n`);
  for (const p of START_PHASES) w.write(1, `${p}:\t${secs(b.phases[p])}\n`);
}

/** kubectl's DescribeEvents: sorted by last occurrence, repeats as `4s (x3 over 2m)`. */
export function writeEvents(w: PrefixWriter, events: readonly PodEvent[], now: number): void {
  if (events.length === 0) return w.write(0, 'Events:\t<none>\n');
  const sorted = [...events].sort((a, b) => (parseTime(a.lastTimestamp) ?? 0) - (parseTime(b.lastTimestamp) ?? 0));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = since(e.firstTimestamp, now);
    const age = e.count > 1 ? `${since(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    w.write(1, `${e.type}\t${e.reason}\t${age}\t${e.source.component}\t${e.message.trim()}\n`);
  }
}

function writeStatus(w: PrefixWriter, pod: Pod, now: number): void {
  const status = pod.status ?? {};
  const deletion = pod.metadata?.deletionTimestamp;
  if (deletion && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(deletion, now)})\n`);
    const grace = pod.metadata?.deletionGracePeriodSeconds;
    if (grace !== undefined) w.write(0, `Termination Grace Period:\t${grace}s\n`);
  } else {
    w.write(0, `Status:\t${status.phase ?? ''}\n`);
  }
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
}

/** `kubectl describe pod` for one pod and its events, laid out exactly as kubectl does. */
export function describePod(pod: Pod, events: readonly PodEvent[], opts: DescribeOptions): string {
  const w = new PrefixWriter();
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  w.write(0, `Name:\t${meta.name ?? ''}\n`);
  w.write(0, `Namespace:\t${meta.namespace ?? 'default'}\n`);
  if (spec.priority !== undefined) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec.priorityClassName) w.write(0, `Priority Class Name:\t${spec.priorityClassName}\n`);
  if (spec.runtimeClassName) w.write(0, `Runtime Class Name:\t${spec.runtimeClassName}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, spec.nodeName ? `Node:\t${spec.nodeName}/${status.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime, opts)}\n`);
  writeLabels(w, 'Labels', meta.labels);
  writeAnnotations(w, 'Annotations', meta.annotations);
  writeStatus(w, pod, opts.now);
  const seccomp = spec.securityContext?.seccompProfile;
  if (seccomp) {
    w.write(0, `SeccompProfile:\t${seccomp.type}\n`);
    if (seccomp.type === 'Localhost') w.write(0, `LocalhostProfile:\t${seccomp.localhostProfile ?? ''}\n`);
  }
  w.write(0, `IP:\t${status.podIP ?? ''}\n`);
  if (status.podIPs?.length) {
    w.write(0, 'IPs:\n');
    for (const ip of status.podIPs) w.write(1, `IP:\t${ip.ip}\n`);
  } else {
    w.write(0, 'IPs:\t<none>\n');
  }
  const controller = meta.ownerReferences?.find((o) => o.controller);
  if (controller) w.write(0, `Controlled By:\t${controller.kind}/${controller.name}\n`);
  if (status.nominatedNodeName) w.write(0, `NominatedNodeName:\t${status.nominatedNodeName}\n`);
  if (spec.resources) {
    w.write(0, 'Resources:\n');
    writeResources(w, spec.resources, 1);
  }
  if (spec.initContainers?.length) writeContainers(w, 'Init Containers', spec.initContainers, status.initContainerStatuses, pod, opts);
  writeContainers(w, 'Containers', spec.containers, status.containerStatuses, pod, opts);
  if (spec.readinessGates?.length) {
    w.write(0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of spec.readinessGates) {
      const c = status.conditions?.find((x) => x.type === g.conditionType);
      w.write(1, `${g.conditionType} \t${c?.status ?? '<none>'} \n`);
    }
  }
  if (status.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of status.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  writeVolumes(w, spec.volumes);
  w.write(0, `QoS Class:\t${pod.status?.qosClass ?? qosClass(pod.spec ?? { containers: [] })}\n`);
  writeLabels(w, 'Node-Selectors', spec.nodeSelector);
  writeTolerations(w, 'Tolerations', spec.tolerations);
  if (opts.startPhases) writeStartPhases(w, opts.startPhases);
  writeEvents(w, events, opts.now);
  return w.render();
}
