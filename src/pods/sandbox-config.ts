import type { Pod } from '../api/generated/core-v1.js';
import { sandboxLabels, type DnsConfig, type NamespaceOptions, type PodSandboxConfig, type PortMapping } from '../runtime/index.js';
import type { NodeContext } from '../node/context.js';
import { podLogDir } from './log-paths.js';
import { hasPrivilegedContainer, podSupplementalGroups, podSysctls } from './security.js';
import { podHostname } from './hostname.js';

/** What the pod's namespaces are, shared by the sandbox and each of its containers. */
export function namespaceOptions(pod: Pod): NamespaceOptions {
  const s = pod.spec;
  return {
    network: s?.hostNetwork ? 'NODE' : 'POD',
    pid: s?.hostPID ? 'NODE' : s?.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: s?.hostIPC ? 'NODE' : 'POD',
  };
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
    ...(hostNetwork ? {} : { hostname: podHostname(pod, node) }),
    logDirectory: podLogDir(node.podLogsDir, identity.namespace, identity.name, identity.uid),
    dnsConfig: dns,
    portMappings: hostNetwork ? [] : portMappings(pod),
    labels: sandboxLabels(identity, meta.labels ?? {}),
    annotations: { ...(meta.annotations ?? {}) },
    linux: { sysctls: podSysctls(pod), securityContext: sandboxSecurityContext(pod) },
  };
}

/**
 * The sandbox's security context the kubelet's way: the pod's user, group and groups; privileged
 * when any container is (the runtime refuses a privileged container in an unprivileged
 * sandbox); and always the runtime's default seccomp profile, whatever the pod asks for, so that
 * a strict pod-level profile cannot break the pause process.
 */
export function sandboxSecurityContext(pod: Pod): NonNullable<NonNullable<PodSandboxConfig['linux']>['securityContext']> {
  const sc = pod.spec?.securityContext;
  const groups = podSupplementalGroups(pod);
  return {
    namespaceOptions: namespaceOptions(pod),
    ...(sc?.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    ...(sc?.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
    ...(groups.length > 0 ? { supplementalGroups: groups } : {}),
    privileged: hasPrivilegedContainer(pod),
    seccomp: { type: 'RuntimeDefault' },
  };
}
