import type { Pod } from '../api/generated/core-v1.js';
import { sandboxLabels, type DnsConfig, type NamespaceOptions, type PodSandboxConfig, type PortMapping } from '../runtime/index.js';
import type { NodeContext } from './context.js';
import { podLogDir } from './log-paths.js';

const MAX_HOSTNAME = 63;

/** What the pod's namespaces are, shared by the sandbox and each of its containers. */
export function namespaceOptions(pod: Pod): NamespaceOptions {
  const s = pod.spec;
  return {
    network: s?.hostNetwork ? 'NODE' : 'POD',
    pid: s?.hostPID ? 'NODE' : s?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: s?.hostIPC ? 'NODE' : 'POD',
  };
}

/** The kubelet truncates long pod names to a valid hostname, trimming a trailing '-' or '.'. */
export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata?.name || '';
  return name.length <= MAX_HOSTNAME ? name : name.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
}

export function portMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIP ? { hostIp: p.hostIP } : {}) });
    }
  }
  return out;
}

export function sandboxConfig(pod: Pod, attempt: number, node: NodeContext, dns: DnsConfig): PodSandboxConfig {
  const meta = pod.metadata ?? {};
  const identity = { name: meta.name ?? '', namespace: meta.namespace ?? 'default', uid: meta.uid ?? '' };
  const hostNetwork = pod.spec?.hostNetwork === true;
  return {
    metadata: { ...identity, attempt },
    // runc refuses a hostname without a private UTS namespace, which host-network pods lack.
    ...(hostNetwork ? {} : { hostname: podHostname(pod) }),
    logDirectory: podLogDir(node.podLogsDir, identity.namespace, identity.name, identity.uid),
    dnsConfig: dns,
    portMappings: hostNetwork ? [] : portMappings(pod),
    labels: sandboxLabels(identity, meta.labels ?? {}),
    annotations: { ...(meta.annotations ?? {}) },
    linux: { securityContext: { namespaceOptions: namespaceOptions(pod) } },
  };
}
