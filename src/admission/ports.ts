/** Host ports a pod holds on the node, and clashes between them, as the NodePorts check sees it. */
import type { Container, PodSpec } from '../api/generated/core-v1.js';
import { isSidecar } from '../status/spec.js';

export interface HostPort {
  /** "0.0.0.0" when the manifest leaves it empty. */
  ip: string;
  protocol: string;
  port: number;
}

const ANY_IP = '0.0.0.0';

/**
 * Host ports of the app containers and sidecars (plain init containers do not stay up). On the
 * host network every container port is a host port: the API server defaults hostPort to
 * containerPort there, and manifests are not defaulted on load.
 */
export function hostPorts(spec: PodSpec): HostPort[] {
  const out: HostPort[] = [];
  const containers: Container[] = [...(spec.initContainers ?? []).filter(isSidecar), ...spec.containers];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      const port = p.hostPort !== undefined && p.hostPort > 0 ? p.hostPort : spec.hostNetwork ? p.containerPort : 0;
      if (port <= 0) continue;
      out.push({ ip: p.hostIP && p.hostIP !== '' ? p.hostIP : ANY_IP, protocol: p.protocol ?? 'TCP', port });
    }
  }
  return out;
}

/** Same port and protocol on the same IP, where the wildcard address overlaps every IP. */
export function portsClash(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === b.ip || a.ip === ANY_IP || b.ip === ANY_IP;
}

export function formatHostPort(p: HostPort): string {
  return `${p.ip}:${p.port}/${p.protocol}`;
}
