/** Host and pod addresses for the status. */
import { isIP } from 'node:net';
import type { HostIP, PodIP, PodSpec } from '../api/generated/core-v1.js';
import type { PodSandboxStatus } from '../runtime/index.js';

type Family = 4 | 6;

/** Canonical text of an address and its family, or undefined when it is not one. */
function canonical(ip: string): { ip: string; family: Family } | undefined {
  const text = ip.trim();
  const v4Mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  // An IPv4-mapped IPv6 address is an IPv4 address to Kubernetes.
  if (v4Mapped !== null && isIP(v4Mapped[1]!) === 4) return { ip: v4Mapped[1]!, family: 4 };
  const family = isIP(text);
  if (family === 4) return { ip: text, family };
  if (family === 6) {
    // The URL parser prints IPv6 in the RFC 5952 form the API server expects.
    return { ip: new URL(`http://[${text}]/`).hostname.slice(1, -1), family };
  }
  return undefined;
}

export interface Addresses {
  hostIP?: string;
  hostIPs?: HostIP[];
  podIP?: string;
  podIPs?: PodIP[];
}

/**
 * Host-network pods share the node's address. Other pods get their newest sandbox's addresses
 * while it is ready: the first of the node's family, then the first of the other family (a pod
 * has at most one address per family, the primary matching the node's).
 */
export function podAddresses(spec: PodSpec, sandbox: PodSandboxStatus | undefined, hostIP: string): Addresses {
  const out: Addresses = {};
  const host = hostIP !== '' ? canonical(hostIP)?.ip ?? hostIP : undefined;
  if (host !== undefined) {
    out.hostIP = host;
    out.hostIPs = [{ ip: host }];
  }
  if (spec.hostNetwork === true) {
    if (host !== undefined) {
      out.podIP = host;
      out.podIPs = [{ ip: host }];
    }
    return out;
  }
  if (sandbox === undefined || sandbox.state !== 'ready') return out;
  const candidates = [sandbox.ip, ...sandbox.additionalIps]
    .filter((ip) => ip !== '')
    .map(canonical)
    .filter((c): c is { ip: string; family: Family } => c !== undefined);
  const primaryFamily: Family = host !== undefined && canonical(host)?.family === 6 ? 6 : 4;
  const picked: string[] = [];
  const primary = candidates.find((c) => c.family === primaryFamily);
  if (primary !== undefined) picked.push(primary.ip);
  const secondary = candidates.find((c) => c.family !== primaryFamily);
  if (secondary !== undefined) picked.push(secondary.ip);
  if (picked.length > 0) {
    out.podIP = picked[0]!;
    out.podIPs = picked.map((ip) => ({ ip }));
  }
  return out;
}
