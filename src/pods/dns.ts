import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import type { Pod } from '../api/generated/core-v1.js';
import type { DnsConfig } from '../runtime/index.js';
import type { NodeContext } from '../node/context.js';
import { PodSandboxConfigError } from './hostname.js';

/**
 * The resolver configuration of a pod sandbox, following the kubelet's dnsPolicy rules:
 * ClusterFirst needs cluster DNS and falls back to Default without it (and for host-network
 * pods, unless ClusterFirstWithHostNet); Default copies the node's resolver file; None uses only
 * dnsConfig, which every policy then merges in. The result is cut to what libc resolvers
 * accept, with a DNSConfigForming warning when something had to go.
 */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCHES = 32;
/** Characters of the whole search line (space-separated). */
export const MAX_SEARCH_LINE_CHARS = 2048;
/** Longer search domains make some glibc versions abort; the kubelet drops them. */
export const MAX_SEARCH_DOMAIN_CHARS = 253;
const CLUSTER_OPTIONS = ['ndots:5'];

export interface HostResolver {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Reports what the kubelet records as pod events (MissingClusterDNS, DNSConfigForming). */
export type DnsEventSink = (reason: string, message: string) => void;

/** Only whole-line comments count, and `domain` is ignored, as in the kubelet's parser. */
export function parseResolvConf(text: string): HostResolver {
  const out: HostResolver = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    // A later search line replaces an earlier one; "x." and "x" are the same domain.
    else if (key === 'search') out.searches = rest.filter((s) => s && s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') out.options = mergeOptionStrings(out.options, rest.filter(Boolean));
  }
  return out;
}

/** An empty path means "no resolver file"; an unreadable one fails the sandbox, as the kubelet. */
export async function readHostResolver(path: string): Promise<HostResolver> {
  if (!path) return { servers: [], searches: [], options: [] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PodSandboxConfigError(`cannot read resolvConf ${path}: ${(err as Error).message}`);
  }
  return parseResolvConf(text);
}

export type EffectiveDnsPolicy = 'ClusterFirst' | 'Default' | 'None';

/** The policy as written, with ClusterFirst on the host network meaning Default. */
function declaredPolicy(pod: Pod): EffectiveDnsPolicy {
  const spec = pod.spec;
  switch (spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'None';
    case 'ClusterFirstWithHostNet':
      return 'ClusterFirst';
    case 'Default':
      return 'Default';
    default:
      return spec?.hostNetwork ? 'Default' : 'ClusterFirst';
  }
}

export function effectiveDnsPolicy(pod: Pod, node: Pick<NodeContext, 'clusterDNS'>): EffectiveDnsPolicy {
  const p = declaredPolicy(pod);
  return p === 'ClusterFirst' && node.clusterDNS.length === 0 ? 'Default' : p;
}

export type DnsNode = Pick<NodeContext, 'clusterDNS' | 'clusterDomain'> & Partial<Pick<NodeContext, 'resolvConf' | 'hostIP'>>;

export function podDnsConfig(pod: Pod, node: DnsNode, host: HostResolver, onEvent: DnsEventSink = () => {}): DnsConfig {
  const declared = declaredPolicy(pod);
  const policy = effectiveDnsPolicy(pod, node);
  if (declared === 'ClusterFirst' && policy === 'Default') {
    const meta = pod.metadata ?? {};
    onEvent(
      'MissingClusterDNS',
      `pod: "${meta.name ?? ''}_${meta.namespace ?? 'default'}(${meta.uid ?? ''})". staticlet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
    );
  }
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'Default') {
    if (node.resolvConf === '') {
      // No resolver file at all: point at the node itself rather than at nothing, and search
      // only the root so that names are not completed against anything.
      servers = [node.hostIP && isIPv6(node.hostIP) ? '::1' : '127.0.0.1'];
      searches = ['.'];
    } else {
      ({ servers, searches, options } = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] });
    }
  } else if (policy === 'ClusterFirst') {
    servers = [...node.clusterDNS];
    const d = node.clusterDomain;
    const ns = pod.metadata?.namespace ?? 'default';
    searches = d ? dedupe([`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches]) : [...host.searches];
    options = [...CLUSTER_OPTIONS];
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    servers = dedupe([...servers, ...(extra.nameservers ?? [])]);
    searches = dedupe([...searches, ...(extra.searches ?? [])]);
    options = mergeOptionStrings(options, (extra.options ?? []).map((o) => (o.value ? `${o.name ?? ''}:${o.value}` : (o.name ?? ''))));
  }
  return { servers: fitNameservers(servers, onEvent), searches: fitSearches(searches, onEvent), options };
}

export function fitNameservers(servers: string[], onEvent: DnsEventSink = () => {}): string[] {
  if (servers.length <= MAX_NAMESERVERS) return servers;
  const kept = servers.slice(0, MAX_NAMESERVERS);
  onEvent('DNSConfigForming', `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}`);
  return kept;
}

/** At most 32 domains, none over 253 characters, and a line of at most 2048 characters. */
export function fitSearches(searches: string[], onEvent: DnsEventSink = () => {}): string[] {
  let cut = searches.length > MAX_SEARCHES;
  let kept = searches.slice(0, MAX_SEARCHES);
  const short = kept.filter((s) => s.length <= MAX_SEARCH_DOMAIN_CHARS);
  if (short.length !== kept.length) cut = true;
  kept = short;
  while (kept.length > 0 && kept.join(' ').length > MAX_SEARCH_LINE_CHARS) {
    kept = kept.slice(0, -1);
    cut = true;
  }
  if (cut) onEvent('DNSConfigForming', `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${kept.join(' ')}`);
  return kept;
}

function dedupe(list: string[]): string[] {
  return [...new Set(list.filter(Boolean))];
}

/** Later options with the same name replace earlier ones ("ndots:2" overrides "ndots:5"). */
function mergeOptionStrings(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) if (o) byName.set(o.split(':')[0]!, o);
  return [...byName.values()];
}
