import type { Pod } from '../api/generated/core-v1.js';
import { dns1123Label } from '../validation/names.js';
import type { NodeContext } from '../node/context.js';

/**
 * A pod's hostname and domain, the kubelet's way. The hostname is spec.hostname or the pod
 * name, cut to 63 characters (the kernel's limit); with spec.subdomain the pod also gets the
 * domain `<subdomain>.<namespace>.svc.<clusterDomain>`, and setHostnameAsFQDN makes the kernel
 * hostname `<hostname>.<domain>`, which must fit the kernel's 64 characters.
 */
export const MAX_HOSTNAME = 63;
export const MAX_FQDN = 64;

/** The sandbox cannot be configured from the pod (hostname, DNS): FailedCreatePodSandBox. */
export class PodSandboxConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodSandboxConfigError';
  }
}

export interface PodHostnameAndDomain {
  hostname: string;
  /** Empty without spec.subdomain. */
  domain: string;
}

/** Cuts a hostname to 63 characters; a cut must not leave a trailing '-' or '.'. */
export function truncateHostname(podName: string, hostname: string): string {
  if (hostname.length <= MAX_HOSTNAME) return hostname;
  const cut = hostname.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
  if (!cut) throw new PodSandboxConfigError(`hostname for pod "${podName}" was invalid: "${hostname}"`);
  return cut;
}

export function podHostnameAndDomain(pod: Pod, clusterDomain = ''): PodHostnameAndDomain {
  const name = pod.metadata?.name ?? '';
  let hostname = name;
  const spec = pod.spec;
  if (spec?.hostname) {
    const errs = dns1123Label(spec.hostname);
    if (errs.length > 0) throw new PodSandboxConfigError(`pod Hostname "${spec.hostname}" is not a valid DNS label: ${errs.join(';')}`);
    hostname = spec.hostname;
  }
  hostname = truncateHostname(name, hostname);
  let domain = '';
  if (spec?.subdomain) {
    const errs = dns1123Label(spec.subdomain);
    if (errs.length > 0) throw new PodSandboxConfigError(`pod Subdomain "${spec.subdomain}" is not a valid DNS label: ${errs.join(';')}`);
    // As the kubelet: without a cluster domain the name ends in "svc." (a rooted name).
    domain = `${spec.subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}`;
  }
  return { hostname, domain };
}

/**
 * The hostname the sandbox's UTS namespace gets. Host-network pods have none (they share the
 * node's and runc refuses to set one), so callers skip them.
 */
export function podHostname(pod: Pod, node: Pick<NodeContext, 'clusterDomain'> = {}): string {
  const { hostname, domain } = podHostnameAndDomain(pod, node.clusterDomain);
  if (!domain || pod.spec?.setHostnameAsFQDN !== true) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > MAX_FQDN) {
    throw new PodSandboxConfigError(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${MAX_FQDN} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}
