/** Hostname and DNS rules (validateDNSPolicy, validatePodDNSConfig, hostAliases). */
import { isIP } from 'node:net';
import { dns1123Label, dns1123Subdomain } from '../names.js';
import { field, index } from '../path.js';
import { addAll, isObject, list, type RuleContext } from './context.js';

// Limits of the resolver configuration the kubelet writes (resolv.conf).
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_CHARS = 2048;

export function checkDns(ctx: RuleContext): void {
  const spec = ctx.spec;
  if (typeof spec.hostname === 'string' && spec.hostname !== '') addAll(ctx, 'spec.hostname', dns1123Label(spec.hostname));
  if (typeof spec.subdomain === 'string' && spec.subdomain !== '') addAll(ctx, 'spec.subdomain', dns1123Label(spec.subdomain));

  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None' && !isObject(cfg)) {
    ctx.add('spec.dnsConfig', 'required value: must provide `dnsConfig` when `dnsPolicy` is None');
  }
  if (isObject(cfg)) {
    const ns = list(cfg.nameservers);
    if (spec.dnsPolicy === 'None' && ns.length === 0) {
      ctx.add('spec.dnsConfig.nameservers', 'required value: must provide at least one DNS nameserver when `dnsPolicy` is None');
    }
    if (ns.length > MAX_NAMESERVERS) ctx.add('spec.dnsConfig.nameservers', `must not have more than ${MAX_NAMESERVERS} nameservers, has ${ns.length}`);
    ns.forEach((n, i) => {
      if (typeof n === 'string' && isIP(n) === 0) ctx.add(index('spec.dnsConfig.nameservers', i), 'must be a valid IP address');
    });
    const searches = list(cfg.searches);
    if (searches.length > MAX_SEARCH_PATHS) ctx.add('spec.dnsConfig.searches', `must not have more than ${MAX_SEARCH_PATHS} search paths, has ${searches.length}`);
    const chars = searches.join(' ').length;
    if (chars > MAX_SEARCH_CHARS) ctx.add('spec.dnsConfig.searches', `must not have more than ${MAX_SEARCH_CHARS} characters (including spaces) in the search list, has ${chars}`);
    searches.forEach((s, i) => {
      if (typeof s !== 'string') return;
      // A trailing dot (fully qualified) is accepted; "." alone is the root domain.
      const name = s.endsWith('.') ? s.slice(0, -1) : s;
      if (s !== '.') addAll(ctx, index('spec.dnsConfig.searches', i), dns1123Subdomain(name));
    });
    list(cfg.options).forEach((o, i) => {
      if (isObject(o) && (typeof o.name !== 'string' || o.name === '')) ctx.add(field(index('spec.dnsConfig.options', i), 'name'), 'required value');
    });
  }

  list(spec.hostAliases).forEach((h, i) => {
    if (!isObject(h)) return;
    const path = index('spec.hostAliases', i);
    if (typeof h.ip === 'string' && isIP(h.ip) === 0) ctx.add(field(path, 'ip'), 'must be a valid IP address');
    list(h.hostnames).forEach((n, j) => {
      if (typeof n === 'string') addAll(ctx, index(field(path, 'hostnames'), j), dns1123Subdomain(n));
    });
  });
}
