import type {
  Container,
  ContainerPort,
  ContainerState,
  ContainerStatus,
  EnvVar,
  Pod,
  Probe,
  ResourceRequirements,
} from '../api/generated/core-v1.js';
import { PrefixWriter, rfc1123z, type TimeFormat } from './describe-writer.js';

const goBool = (b: boolean | undefined): string => (b ? 'True' : 'False');

/** `80/TCP, 443/TCP`; the API server defaults the protocol, so do we. */
function ports(list: ContainerPort[] | undefined, host: boolean): string {
  return (list ?? []).map((p) => `${host ? (p.hostPort ?? 0) : p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
}

function writePorts(w: PrefixWriter, c: Container): void {
  const container = ports(c.ports, false);
  const host = ports(c.ports, true);
  w.write(2, container.includes(',') ? `Ports:\t${container}\n` : `Port:\t${container || '<none>'}\n`);
  w.write(2, host.includes(',') ? `Host Ports:\t${host}\n` : `Host Port:\t${host || '<none>'}\n`);
}

function writeState(w: PrefixWriter, title: string, state: ContainerState | undefined, tf: TimeFormat): void {
  if (state?.running) {
    w.write(2, `${title}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt, tf)}\n`);
  } else if (state?.waiting) {
    w.write(2, `${title}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(2, `${title}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal && t.signal > 0) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt, tf)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt, tf)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
  }
}

export function writeResources(w: PrefixWriter, r: ResourceRequirements | undefined, level: number): void {
  for (const [title, list] of [['Limits', r?.limits], ['Requests', r?.requests]] as const) {
    const names = Object.keys(list ?? {}).sort();
    if (names.length === 0) continue;
    w.write(level, `${title}:\n`);
    for (const n of names) w.write(level + 1, `${n}:\t${String(list![n])}\n`);
  }
}

/** kubectl DescribeProbe, with the API server's probe defaults filled in. */
export function describeProbe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const g = p.httpGet;
    const host = g.host ?? '';
    const hostPort = `${host.includes(':') ? `[${host}]` : host}:${String(g.port)}`;
    return `http-get ${(g.scheme ?? 'HTTP').toLowerCase()}://${hostPort}${g.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${String(p.tcpSocket.port)} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

/** Values of the downward-API field paths a pod can reference in env. */
function fieldValue(pod: Pod, path: string): string {
  const meta = pod.metadata ?? {};
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? meta.labels : meta.annotations)?.[m[2]!] ?? '';
  const s = pod.status ?? {};
  const values: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.hostIP': s.hostIP,
    'status.hostIPs': s.hostIPs?.map((h) => h.ip).join(','),
    'status.podIP': s.podIP,
    'status.podIPs': s.podIPs?.map((p) => p.ip).join(','),
  };
  return values[path] ?? '';
}

function writeEnv(w: PrefixWriter, c: Container, pod: Pod): void {
  if (c.envFrom?.length) {
    w.write(2, 'Environment Variables from:\n');
    for (const e of c.envFrom) {
      const [from, ref] = e.configMapRef ? ['ConfigMap', e.configMapRef] : e.secretRef ? ['Secret', e.secretRef] : ['', undefined];
      const prefix = e.prefix ? ` with prefix '${e.prefix}'` : '';
      w.write(3, `${ref?.name ?? ''}\t${from}${prefix}\tOptional: ${ref?.optional === true}\n`);
    }
  }
  w.write(2, c.env?.length ? 'Environment:\n' : 'Environment:\t<none>\n');
  for (const e of c.env ?? []) writeEnvVar(w, e, c, pod);
}

function writeEnvVar(w: PrefixWriter, e: EnvVar, c: Container, pod: Pod): void {
  const from = e.valueFrom;
  if (!from) {
    (e.value ?? '').split('\n').forEach((line, i) => w.write(3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`));
  } else if (from.fieldRef) {
    const f = from.fieldRef;
    w.write(3, `${e.name}:\t${fieldValue(pod, f.fieldPath)} (${f.apiVersion ?? 'v1'}:${f.fieldPath})\n`);
  } else if (from.resourceFieldRef) {
    // kubectl computes the value with the divisor applied; the raw quantity is close enough here.
    const r = from.resourceFieldRef.resource;
    const [kind, name] = r.split('.') as ['limits' | 'requests', string];
    const q = c.resources?.[kind]?.[name];
    const value = q !== undefined ? String(q) : kind === 'limits' && (name === 'cpu' || name === 'memory') ? 'node allocatable' : '';
    w.write(3, `${e.name}:\t${value} (${r})\n`);
  } else if (from.secretKeyRef) {
    const s = from.secretKeyRef;
    w.write(3, `${e.name}:\t<set to the key '${s.key}' in secret '${s.name ?? ''}'>\tOptional: ${s.optional === true}\n`);
  } else if (from.configMapKeyRef) {
    const s = from.configMapKeyRef;
    w.write(3, `${e.name}:\t<set to the key '${s.key}' of config map '${s.name ?? ''}'>\tOptional: ${s.optional === true}\n`);
  }
}

function writeMounts(w: PrefixWriter, c: Container): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  w.write(2, mounts.length ? 'Mounts:\n' : 'Mounts:\t<none>\n');
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
    w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
  }
  const devices = [...(c.volumeDevices ?? [])].sort((a, b) => (a.devicePath < b.devicePath ? -1 : a.devicePath > b.devicePath ? 1 : 0));
  if (devices.length) {
    w.write(2, 'Devices:\n');
    for (const d of devices) w.write(3, `${d.devicePath} from ${d.name}\n`);
  }
}

/** kubectl describeContainers: one block per container, status merged in by name. */
export function writeContainers(w: PrefixWriter, title: string, containers: Container[], statuses: ContainerStatus[] | undefined, pod: Pod, tf: TimeFormat): void {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  w.write(0, `${title}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const s = byName.get(c.name);
    w.write(1, `${c.name}:\n`);
    if (s) w.write(2, `Container ID:\t${s.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    if (s) w.write(2, `Image ID:\t${s.imageID}\n`);
    writePorts(w, c);
    const seccomp = c.securityContext?.seccompProfile;
    if (seccomp) {
      w.write(2, `SeccompProfile:\t${seccomp.type}\n`);
      if (seccomp.type === 'Localhost') w.write(3, `LocalhostProfile:\t${seccomp.localhostProfile ?? ''}\n`);
    }
    for (const [label, list] of [['Command', c.command], ['Args', c.args]] as const) {
      if (!list?.length) continue;
      w.write(2, `${label}:\n`);
      for (const item of list) for (const line of item.split('\n')) w.write(3, `${line}\n`);
    }
    if (s) {
      writeState(w, 'State', s.state, tf);
      if (s.lastState?.terminated) writeState(w, 'Last State', s.lastState, tf);
      w.write(2, `Ready:\t${goBool(s.ready)}\n`);
      w.write(2, `Restart Count:\t${s.restartCount}\n`);
    }
    writeResources(w, c.resources, 2);
    if (c.livenessProbe) w.write(2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    writeEnv(w, c, pod);
    writeMounts(w, c);
  }
}
