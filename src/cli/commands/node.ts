import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { amountOf, type NodeAdmissionSummary } from '../../admission/index.js';
import type { ControlPlaneView } from '../../controlplane/index.js';
import type { NodeDescription } from '../../server/types.js';
import type { HousekeepingView } from '../../housekeeping/index.js';
import { EXIT_FAILURE, EXIT_OK, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { fetchStatus } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';
import { PrefixWriter, rfc1123z, writeAnnotations, writeLabels, type TimeFormat } from '../describe-writer.js';
import { since } from '../human-duration.js';

export interface NodeOptions extends StatusSocketFlags {
  output?: 'json' | 'yaml';
}

export function register(program: Command): void {
  const cmd = program
    .command('node')
    .description('show the Node as staticlet computes it (conditions, addresses, capacity, system info, pods and what they request) and the API-server state, like kubectl describe node')
    .addOption(new Option('-o, --output <format>', 'print the Node object instead').choices(['json', 'yaml']))
    .action(async (opts: NodeOptions, self: Command) => {
      setExitCode(self, await showNode(opts));
    });
  addStatusSocketFlags(cmd);
}

function percent(resource: string, used: string | undefined, total: string | undefined): string {
  const u = amountOf(resource, used ?? '0');
  const t = amountOf(resource, total ?? '0');
  // Integer percent, rounded down, as kubectl describe prints it.
  return t > 0n ? ` (${(u * 100n) / t}%)` : '';
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** kubectl's findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values. */
export function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

function isDescription(n: NodeAdmissionSummary | NodeDescription): n is NodeDescription {
  return 'node' in n && n.node !== undefined;
}

export interface FormatOptions extends TimeFormat {
  now?: number;
}

/** The describe-node style sections; a bare admission summary (an older server) prints those parts only. */
export function formatNode(n: NodeAdmissionSummary | NodeDescription, f: FormatOptions = {}): string {
  const w = new PrefixWriter();
  const now = f.now ?? Date.now();
  const d = isDescription(n) ? n : undefined;
  const node = d?.node;
  if (node) {
    w.write(0, `Name:\t${node.metadata.name}\n`);
    w.write(0, `Roles:\t${nodeRoles(node.metadata.labels)}\n`);
  }
  writeLabels(w, 'Labels', node?.metadata.labels ?? n.labels);
  if (node) {
    writeAnnotations(w, 'Annotations', node.metadata.annotations);
    const created = node.metadata['creationTimestamp'];
    w.write(0, `CreationTimestamp:\t${typeof created === 'string' ? rfc1123z(created, f) : '<not registered>'}\n`);
    const taints = node.spec?.taints ?? [];
    if (taints.length === 0) w.write(0, 'Taints:\t<none>\n');
    taints.forEach((t, i) => w.write(0, `${i === 0 ? 'Taints:' : ''}\t${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`));
    w.write(0, `Unschedulable:\t${node.spec?.['unschedulable'] === true}\n`);
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of node.status?.conditions ?? []) {
      w.write(1, `${c.type}\t${c.status}\t${rfc1123z(c.lastHeartbeatTime, f)}\t${rfc1123z(c.lastTransitionTime, f)}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
    }
    w.write(0, 'Addresses:\n');
    for (const a of node.status?.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  }
  const capacity = node?.status?.capacity ?? n.capacity;
  const allocatable = node?.status?.allocatable ?? n.allocatable;
  for (const [title, list] of [['Capacity', capacity], ['Allocatable', allocatable]] as const) {
    w.write(0, `${title}:\n`);
    for (const [k, v] of Object.entries(list)) w.write(1, `${k}:\t${v}\n`);
  }
  if (node) {
    const i = node.status?.nodeInfo ?? {};
    w.write(0, 'System Info:\n');
    for (const [label, key] of [
      ['Machine ID', 'machineID'],
      ['System UUID', 'systemUUID'],
      ['Boot ID', 'bootID'],
      ['Kernel Version', 'kernelVersion'],
      ['OS Image', 'osImage'],
      ['Operating System', 'operatingSystem'],
      ['Architecture', 'architecture'],
      ['Container Runtime Version', 'containerRuntimeVersion'],
      ['Kubelet Version', 'kubeletVersion'],
      ['Kube-Proxy Version', 'kubeProxyVersion'],
    ] as const) {
      w.write(1, `${label}:\t${i[key] ?? ''}\n`);
    }
  }
  if (d) {
    w.write(0, `Non-terminated Pods:\t(${d.pods.length} in total)\n`);
    w.write(1, 'Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
    w.write(1, '---------\t----\t------------\t----------\t---------------\t-------------\t---\n');
    for (const p of d.pods) {
      const cell = (r: string, list: Record<string, string>) => `${list[r] ?? '0'}${percent(r, list[r], allocatable[r])}`;
      w.write(1, `${p.namespace}\t${p.name}\t${cell('cpu', p.requests)}\t${cell('cpu', p.limits)}\t${cell('memory', p.requests)}\t${cell('memory', p.limits)}\t${since(p.creationTimestamp, now)}\n`);
    }
  }
  w.write(0, 'Allocated resources:\n');
  if (d) {
    w.write(1, '(Total limits may be over 100 percent, i.e., overcommitted.)\n');
    w.write(1, 'Resource\tRequests\tLimits\n');
    w.write(1, '--------\t--------\t------\n');
  } else {
    w.write(1, 'Resource\tRequests\n');
    w.write(1, '--------\t--------\n');
  }
  for (const name of Object.keys(allocatable)) {
    const used = n.requested[name] ?? '0';
    const limit = d ? `\t${d.limits[name] ?? '0'}${percent(name, d.limits[name], allocatable[name])}` : '';
    w.write(1, `${name}\t${used}${percent(name, used, allocatable[name])}${limit}\n`);
  }
  if (n.waiting.length > 0) {
    w.write(0, 'Waiting for admission:\n');
    w.write(1, 'Pod\tReason\tMessage\n');
    w.write(1, '---\t------\t-------\n');
    for (const p of n.waiting) w.write(1, `${p.namespace}/${p.name}\t${p.reason}\t${p.message}\n`);
  }
  if (d?.housekeeping) writeHousekeeping(w, d.housekeeping, now);
  if (d) writeControlPlane(w, d.controlPlane, now, f);
  return w.render();
}

/** Bytes as kubectl-ish binary units: 0, 512B, 1.5Mi, 3.2Gi. */
export function formatBytes(n: number | undefined): string {
  if (!n) return '0';
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${units[i]}`;
}

const BYTE_SIGNALS = new Set(['memory.available', 'nodefs.available', 'imagefs.available']);

/** Each housekeeping job's last run, and what the pressure monitor read. */
function writeHousekeeping(w: PrefixWriter, h: HousekeepingView, now: number): void {
  w.write(0, 'Housekeeping:\n');
  w.write(1, 'Job\tSchedule\tLast Run\tDuration\tResult\tFreed\tRemoved\tRuns (Failed)\tDetail\n');
  w.write(1, '---\t--------\t--------\t--------\t------\t-----\t-------\t-------------\t------\n');
  for (const j of h.jobs) {
    const last = j.lastRun ? `${since(j.lastRun, now)} ago${j.lastTrigger && j.lastTrigger !== 'schedule' ? ` (${j.lastTrigger})` : ''}` : 'never';
    const result = j.running ? 'running' : (j.lastResult ?? '-');
    const detail = (j.lastResult === 'failed' ? j.lastError : j.lastMessage) ?? '';
    w.write(1, `${j.name}\t${j.schedule}\t${last}\t${j.lastDurationMs !== undefined ? `${j.lastDurationMs}ms` : '-'}\t${result}\t${formatBytes(j.lastFreedBytes)}\t${j.lastRemoved ?? 0}\t${j.runs} (${j.failures})\t${detail}\n`);
  }
  const p = h.pressure;
  w.write(0, 'Pressure Signals:\n');
  w.write(1, 'Signal\tAvailable\tCapacity\n');
  w.write(1, '------\t---------\t--------\n');
  for (const [signal, o] of Object.entries(p.observations)) {
    const fmt = (n: number) => (BYTE_SIGNALS.has(signal) ? formatBytes(n) : String(n));
    w.write(1, `${signal}\t${fmt(o.available)}\t${fmt(o.capacity)}\n`);
  }
  w.write(1, `Thresholds Met:\t${p.thresholdsMet.length ? p.thresholdsMet.join(', ') : '<none>'}\n`);
  // Said where an operator looks when a pressure condition is True.
  if (p.memory || p.disk || p.pid) w.write(1, 'Evictions:\tnone (static pods are critical and are never evicted)\n');
}

function when(t: string | undefined, now: number, f: TimeFormat): string {
  return t ? `${rfc1123z(t, f)} (${since(t, now)} ago)` : 'never';
}

/** The API-server side: where, registered or why not, the Lease, the status patches, the certificate, the mirror pods. */
function writeControlPlane(w: PrefixWriter, v: ControlPlaneView, now: number, f: TimeFormat): void {
  w.write(0, 'API Server:\n');
  if (v.mode === 'standalone') {
    w.write(1, 'Mode:\tstandalone (no --kubeconfig: the Node is computed here, never sent)\n');
    return;
  }
  w.write(1, `Server:\t${v.server ?? '<unknown>'}\n`);
  const r = v.registration;
  const since = r?.since ? ` since ${when(r.since, now, f)}` : '';
  w.write(1, `Registration:\t${r?.registered ? `registered${since}` : `not registered${since}: ${r?.error ?? 'unknown'}`}\n`);
  const l = v.lease;
  w.write(1, `Lease Renewed:\t${when(l?.lastRenewal, now, f)}${l?.error ? ` (failing: ${l.error})` : ''}\n`);
  const s = v.status;
  w.write(1, `Status Patched:\t${when(s?.lastPatch, now, f)}${s?.lastResult ? `: ${s.lastResult}` : ''}\n`);
  // The client certificate (TLS bootstrap), then the node API's serving one (serverTLSBootstrap).
  for (const [label, c] of [['Certificate', v.certificate], ['Serving Certificate', v.servingCertificate]] as const) {
    if (!c) continue;
    const parts = [c.state, c.csr ? `csr ${c.csr}` : '', c.notAfter ? `expires ${rfc1123z(c.notAfter, f)}` : '', c.since ? `since ${when(c.since, now, f)}` : '', c.error ? `error: ${c.error}` : ''].filter((x) => x);
    w.write(1, `${label}:\t${parts.join(', ')}\n`);
  }
  const m = v.mirrorPods;
  if (m) {
    w.write(1, `Mirror Pods:\t${m.count}${m.rejected.length ? `, ${m.rejected.length} refused` : ''}\n`);
    for (const r of m.rejected) w.write(2, `${r.pod}:\t${r.reason}\n`);
  }
  const e = v.events;
  if (e) {
    // Losses only when there are some: a healthy node shows two numbers.
    const lost = [e.queued ? `${e.queued} waiting` : '', e.dropped ? `${e.dropped} dropped (queue full)` : '', e.spamFiltered ? `${e.spamFiltered} spam-filtered` : '', e.refused ? `${e.refused} refused` : ''].filter((x) => x);
    w.write(1, `Events Sent:\t${e.posted} created, ${e.patched} repeats patched${lost.length ? `; ${lost.join(', ')}` : ''}\n`);
  }
}

/** The `node` action, with injectable streams for tests. */
export async function showNode(opts: NodeOptions, out: Output = processOutput()): Promise<number> {
  let node: NodeAdmissionSummary | NodeDescription;
  try {
    node = await fetchStatus<NodeAdmissionSummary | NodeDescription>(statusSocketFrom(opts), '/node');
  } catch (err) {
    out.stderr.write(`staticlet node: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  if (opts.output) {
    // The Node object, as `kubectl get node -o json|yaml` would print it.
    const obj = isDescription(node) ? node.node : node;
    out.stdout.write(opts.output === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : stringify(obj));
    return EXIT_OK;
  }
  out.stdout.write(formatNode(node));
  return EXIT_OK;
}
