import { readFile } from 'node:fs/promises';
import type { Pod } from '../api/generated/core-v1.js';
import type { DnsConfig } from '../runtime/index.js';
import type { NodeContext } from './context.js';

/**
 * The resolver configuration of a pod sandbox, following the kubelet's dnsPolicy rules:
 * ClusterFirst needs cluster DNS and falls back to Default without it (and for host-network
 * pods, unless ClusterFirstWithHostNet); Default copies the node's resolver file; None uses only
 * dnsConfig, which every policy then merges in.
 */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCHES = 32;
const CLUSTER_OPTIONS = ['ndots:5'];

export interface HostResolver {
  servers: string[];
  searches: string[];
  options: string[];
}

export function parseResolvConf(text: string): HostResolver {
  const out: HostResolver = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest.filter(Boolean);
    else if (key === 'options') out.options.push(...rest.filter(Boolean));
  }
  return out;
}

export async function readHostResolver(path: string): Promise<HostResolver> {
  if (!path) return { servers: [], searches: [], options: [] };
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch {
    return { servers: [], searches: [], options: [] };
  }
}

export type EffectiveDnsPolicy = 'ClusterFirst' | 'Default' | 'None';

export function effectiveDnsPolicy(pod: Pod, node: Pick<NodeContext, 'clusterDNS'>): EffectiveDnsPolicy {
  const spec = pod.spec;
  const policy = spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None' || policy === 'Default') return policy;
  if (policy === 'ClusterFirst' && spec?.hostNetwork) return 'Default';
  return node.clusterDNS.length > 0 ? 'ClusterFirst' : 'Default';
}

export function podDnsConfig(pod: Pod, node: Pick<NodeContext, 'clusterDNS' | 'clusterDomain'>, host: HostResolver): DnsConfig {
  const policy = effectiveDnsPolicy(pod, node);
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'Default') {
    ({ servers, searches, options } = host);
  } else if (policy === 'ClusterFirst') {
    servers = [...node.clusterDNS];
    const ns = pod.metadata?.namespace ?? 'default';
    const d = node.clusterDomain;
    searches = d ? [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches] : [...host.searches];
    options = [...CLUSTER_OPTIONS];
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    servers = dedupe([...servers, ...(extra.nameservers ?? [])]);
    searches = dedupe([...searches, ...(extra.searches ?? [])]);
    options = mergeOptions(options, (extra.options ?? []).map((o) => (o.value === undefined ? (o.name ?? '') : `${o.name ?? ''}:${o.value}`)));
  }
  return { servers: servers.slice(0, MAX_NAMESERVERS), searches: dedupe(searches).slice(0, MAX_SEARCHES), options };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list.filter(Boolean))];
}

/** Later options with the same name replace earlier ones ("ndots:2" overrides "ndots:5"). */
function mergeOptions(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) if (o) byName.set(o.split(':')[0]!, o);
  return [...byName.values()];
}
