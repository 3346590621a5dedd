/**
 * Translation between staticlet's plain runtime types and CRI wire messages. Kept apart from the
 * client so that the mapping can be read (and tested) without a socket.
 */
import type * as W from './wire.js';
import type * as T from '../types.js';

const NS_PER_MS = 1_000_000n;

/** int64 nanoseconds (decoded as a decimal string) → milliseconds. */
export function nsToMs(v: string | number | undefined | null): number {
  if (v === undefined || v === null || v === '' || v === '0' || v === 0) return 0;
  return Number(BigInt(v) / NS_PER_MS);
}

/** uint64 wrapper → number, undefined when the runtime did not report it. */
function u64(v: W.UInt64Value__Output | null | undefined): number | undefined {
  return v ? Number(v.value) : undefined;
}

function int64Value(v: number | undefined): W.Int64Value | null {
  return v === undefined ? null : { value: v };
}

function namespaceOptions(o: T.NamespaceOptions | undefined): W.NamespaceOption | null {
  if (!o) return null;
  return { network: o.network ?? 'POD', pid: o.pid ?? 'CONTAINER', ipc: o.ipc ?? 'POD', target_id: o.targetId ?? '' };
}

function namespaceOptionsOut(o: W.NamespaceOption__Output | null | undefined): T.NamespaceOptions | undefined {
  if (!o) return undefined;
  return { network: o.network, pid: o.pid, ipc: o.ipc, ...(o.target_id ? { targetId: o.target_id } : {}) };
}

function seccomp(p: T.SeccompProfile | undefined): W.SecurityProfile | null {
  if (!p) return null;
  return { profile_type: p.type, localhost_ref: p.type === 'Localhost' ? p.localhostRef : '' };
}

export function podSandboxConfig(c: T.PodSandboxConfig): W.PodSandboxConfig {
  const sc = c.linux?.securityContext;
  return {
    metadata: { name: c.metadata.name, uid: c.metadata.uid, namespace: c.metadata.namespace, attempt: c.metadata.attempt ?? 0 },
    hostname: c.hostname ?? '',
    log_directory: c.logDirectory ?? '',
    dns_config: c.dnsConfig ? { servers: c.dnsConfig.servers ?? [], searches: c.dnsConfig.searches ?? [], options: c.dnsConfig.options ?? [] } : null,
    port_mappings: (c.portMappings ?? []).map((p) => ({
      protocol: p.protocol ?? 'TCP',
      container_port: p.containerPort,
      host_port: p.hostPort ?? 0,
      host_ip: p.hostIp ?? '',
    })),
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    linux: c.linux
      ? {
          cgroup_parent: c.linux.cgroupParent ?? '',
          sysctls: c.linux.sysctls ?? {},
          security_context: sc
            ? {
                namespace_options: namespaceOptions(sc.namespaceOptions),
                run_as_user: int64Value(sc.runAsUser),
                run_as_group: int64Value(sc.runAsGroup),
                readonly_rootfs: sc.readonlyRootfs ?? false,
                supplemental_groups: sc.supplementalGroups ?? [],
                privileged: sc.privileged ?? false,
                seccomp: seccomp(sc.seccomp),
                apparmor: seccomp(sc.apparmor),
              }
            : null,
        }
      : null,
  };
}

const PROPAGATION_IN: Record<NonNullable<T.Mount['propagation']>, W.MountPropagation> = {
  private: 'PROPAGATION_PRIVATE',
  'host-to-container': 'PROPAGATION_HOST_TO_CONTAINER',
  bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};
const PROPAGATION_OUT: Record<W.MountPropagation__Output, NonNullable<T.Mount['propagation']>> = {
  PROPAGATION_PRIVATE: 'private',
  PROPAGATION_HOST_TO_CONTAINER: 'host-to-container',
  PROPAGATION_BIDIRECTIONAL: 'bidirectional',
};

export function linuxResources(r: T.LinuxContainerResources): W.LinuxContainerResources {
  return {
    cpu_period: r.cpuPeriod ?? 0,
    cpu_quota: r.cpuQuota ?? 0,
    cpu_shares: r.cpuShares ?? 0,
    memory_limit_in_bytes: r.memoryLimitInBytes ?? 0,
    oom_score_adj: r.oomScoreAdj ?? 0,
    cpuset_cpus: r.cpusetCpus ?? '',
    cpuset_mems: r.cpusetMems ?? '',
    hugepage_limits: (r.hugepageLimits ?? []).map((h) => ({ page_size: h.pageSize, limit: h.limit })),
    unified: r.unified ?? {},
    memory_swap_limit_in_bytes: r.memorySwapLimitInBytes ?? 0,
  };
}

export function containerConfig(c: T.ContainerConfig): W.ContainerConfig {
  const sc = c.linux?.securityContext;
  return {
    metadata: { name: c.metadata.name, attempt: c.metadata.attempt ?? 0 },
    image: { image: c.image, user_specified_image: c.userSpecifiedImage ?? '' },
    command: c.command ?? [],
    args: c.args ?? [],
    working_dir: c.workingDir ?? '',
    envs: (c.envs ?? []).map((e) => ({ key: e.key, value: Buffer.from(e.value) })),
    mounts: (c.mounts ?? []).map((m) => ({
      container_path: m.containerPath,
      host_path: m.hostPath,
      readonly: m.readonly ?? false,
      propagation: PROPAGATION_IN[m.propagation ?? 'private'],
    })),
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    log_path: c.logPath ?? '',
    stdin: c.stdin ?? false,
    stdin_once: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: c.linux
      ? {
          resources: c.linux.resources ? linuxResources(c.linux.resources) : null,
          security_context: sc
            ? {
                capabilities: sc.capabilities ? { add_capabilities: sc.capabilities.add ?? [], drop_capabilities: sc.capabilities.drop ?? [] } : null,
                privileged: sc.privileged ?? false,
                namespace_options: namespaceOptions(sc.namespaceOptions),
                run_as_user: int64Value(sc.runAsUser),
                run_as_group: int64Value(sc.runAsGroup),
                run_as_username: sc.runAsUsername ?? '',
                readonly_rootfs: sc.readonlyRootfs ?? false,
                supplemental_groups: sc.supplementalGroups ?? [],
                no_new_privs: sc.noNewPrivs ?? false,
                masked_paths: sc.maskedPaths ?? [],
                readonly_paths: sc.readonlyPaths ?? [],
                seccomp: seccomp(sc.seccomp),
                apparmor: seccomp(sc.apparmor),
                apparmor_profile: sc.apparmorProfile ?? '',
              }
            : null,
        }
      : null,
  };
}

const SANDBOX_STATE: Record<W.PodSandboxState__Output, T.PodSandboxState> = {
  SANDBOX_READY: 'ready',
  SANDBOX_NOTREADY: 'notready',
};
const SANDBOX_STATE_IN: Record<T.PodSandboxState, W.PodSandboxState> = {
  ready: 'SANDBOX_READY',
  notready: 'SANDBOX_NOTREADY',
};
const CONTAINER_STATE: Record<W.ContainerState__Output, T.ContainerState> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};
const CONTAINER_STATE_IN: Record<T.ContainerState, W.ContainerState> = {
  created: 'CONTAINER_CREATED',
  running: 'CONTAINER_RUNNING',
  exited: 'CONTAINER_EXITED',
  unknown: 'CONTAINER_UNKNOWN',
};

function sandboxMetadata(m: W.PodSandboxMetadata__Output | null): T.PodSandboxMetadata {
  return { name: m?.name ?? '', uid: m?.uid ?? '', namespace: m?.namespace ?? '', attempt: m?.attempt ?? 0 };
}

function containerMetadata(m: W.ContainerMetadata__Output | null): T.ContainerMetadata {
  return { name: m?.name ?? '', attempt: m?.attempt ?? 0 };
}

/** The fields a sandbox listing and a sandbox status share. */
type SandboxCommon = Pick<W.PodSandbox__Output, 'id' | 'metadata' | 'state' | 'created_at' | 'labels' | 'annotations' | 'runtime_handler'>;

export function podSandbox(s: SandboxCommon): T.PodSandbox {
  return {
    id: s.id,
    metadata: sandboxMetadata(s.metadata),
    state: SANDBOX_STATE[s.state],
    createdAt: nsToMs(s.created_at),
    labels: s.labels,
    annotations: s.annotations,
    runtimeHandler: s.runtime_handler,
  };
}

export function podSandboxStatus(s: W.PodSandboxStatus__Output): T.PodSandboxStatus {
  const ns = namespaceOptionsOut(s.linux?.namespaces?.options);
  return {
    ...podSandbox(s),
    ip: s.network?.ip ?? '',
    additionalIps: (s.network?.additional_ips ?? []).map((p) => p.ip),
    ...(ns ? { namespaceOptions: ns } : {}),
  };
}

export function podSandboxFilter(f: T.PodSandboxFilter | undefined): W.PodSandboxFilter | null {
  if (!f) return null;
  return {
    id: f.id ?? '',
    state: f.state ? { state: SANDBOX_STATE_IN[f.state] } : null,
    label_selector: f.labelSelector ?? {},
  };
}

export function containerFilter(f: T.ContainerFilter | undefined): W.ContainerFilter | null {
  if (!f) return null;
  return {
    id: f.id ?? '',
    state: f.state ? { state: CONTAINER_STATE_IN[f.state] } : null,
    pod_sandbox_id: f.podSandboxId ?? '',
    label_selector: f.labelSelector ?? {},
  };
}

export function container(c: W.Container__Output): T.Container {
  return {
    id: c.id,
    podSandboxId: c.pod_sandbox_id,
    metadata: containerMetadata(c.metadata),
    image: c.image?.image ?? '',
    imageRef: c.image_ref,
    state: CONTAINER_STATE[c.state],
    createdAt: nsToMs(c.created_at),
    labels: c.labels,
    annotations: c.annotations,
  };
}

export function containerBrief(c: W.ContainerBrief__Output): T.ContainerBrief {
  return { id: c.id, podSandboxId: c.pod_sandbox_id, state: CONTAINER_STATE[c.state], labels: c.labels };
}

export function podSandboxBrief(s: W.SandboxBrief__Output): T.PodSandboxBrief {
  return { id: s.id, state: SANDBOX_STATE[s.state], labels: s.labels };
}

export function containerStatus(s: W.ContainerStatus__Output): T.ContainerStatus {
  return {
    id: s.id,
    metadata: containerMetadata(s.metadata),
    state: CONTAINER_STATE[s.state],
    createdAt: nsToMs(s.created_at),
    startedAt: nsToMs(s.started_at),
    finishedAt: nsToMs(s.finished_at),
    exitCode: s.exit_code,
    image: s.image?.image ?? '',
    imageRef: s.image_ref,
    reason: s.reason,
    message: s.message,
    labels: s.labels,
    annotations: s.annotations,
    mounts: s.mounts.map((m) => ({
      containerPath: m.container_path,
      hostPath: m.host_path,
      readonly: m.readonly,
      propagation: PROPAGATION_OUT[m.propagation],
    })),
    logPath: s.log_path,
  };
}

export function containerStats(s: W.ContainerStats__Output): T.ContainerStats {
  const out: T.ContainerStats = {
    id: s.attributes?.id ?? '',
    name: s.attributes?.metadata?.name ?? '',
    labels: s.attributes?.labels ?? {},
    annotations: s.attributes?.annotations ?? {},
    timestamp: nsToMs(s.cpu?.timestamp ?? s.memory?.timestamp),
  };
  const set = <K extends keyof T.ContainerStats>(k: K, v: T.ContainerStats[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('cpuUsageCoreNanoSeconds', u64(s.cpu?.usage_core_nano_seconds));
  set('cpuUsageNanoCores', u64(s.cpu?.usage_nano_cores));
  set('memoryWorkingSetBytes', u64(s.memory?.working_set_bytes));
  set('memoryUsageBytes', u64(s.memory?.usage_bytes));
  set('memoryRssBytes', u64(s.memory?.rss_bytes));
  set('memoryAvailableBytes', u64(s.memory?.available_bytes));
  set('memoryPageFaults', u64(s.memory?.page_faults));
  set('memoryMajorPageFaults', u64(s.memory?.major_page_faults));
  set('writableLayerUsedBytes', u64(s.writable_layer?.used_bytes));
  set('writableLayerInodesUsed', u64(s.writable_layer?.inodes_used));
  if (s.writable_layer?.fs_id?.mountpoint) out.writableLayerMountpoint = s.writable_layer.fs_id.mountpoint;
  return out;
}

function networkInterface(n: W.NetworkInterfaceUsage__Output): T.NetworkInterfaceUsage {
  const out: T.NetworkInterfaceUsage = { name: n.name };
  const set = (k: 'rxBytes' | 'rxErrors' | 'txBytes' | 'txErrors', v: number | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('rxBytes', u64(n.rx_bytes));
  set('rxErrors', u64(n.rx_errors));
  set('txBytes', u64(n.tx_bytes));
  set('txErrors', u64(n.tx_errors));
  return out;
}

export function podSandboxStats(s: W.PodSandboxStats__Output): T.PodSandboxStats {
  const l = s.linux;
  const out: T.PodSandboxStats = { id: s.attributes?.id ?? '', labels: s.attributes?.labels ?? {}, timestamp: nsToMs(l?.cpu?.timestamp ?? l?.memory?.timestamp) };
  const set = <K extends keyof T.PodSandboxStats>(k: K, v: T.PodSandboxStats[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('cpuUsageCoreNanoSeconds', u64(l?.cpu?.usage_core_nano_seconds));
  set('cpuUsageNanoCores', u64(l?.cpu?.usage_nano_cores));
  set('memoryWorkingSetBytes', u64(l?.memory?.working_set_bytes));
  set('memoryUsageBytes', u64(l?.memory?.usage_bytes));
  set('memoryRssBytes', u64(l?.memory?.rss_bytes));
  set('memoryAvailableBytes', u64(l?.memory?.available_bytes));
  set('memoryPageFaults', u64(l?.memory?.page_faults));
  set('memoryMajorPageFaults', u64(l?.memory?.major_page_faults));
  set('processCount', u64(l?.process?.process_count));
  if (l?.network) {
    out.network = { timestamp: nsToMs(l.network.timestamp), interfaces: l.network.interfaces.map(networkInterface) };
    if (l.network.default_interface) out.network.defaultInterface = networkInterface(l.network.default_interface);
  }
  return out;
}

export function containerStatsFilter(f: T.ContainerStatsFilter | undefined): W.ContainerStatsFilter | null {
  if (!f) return null;
  return { id: f.id ?? '', pod_sandbox_id: f.podSandboxId ?? '', label_selector: f.labelSelector ?? {} };
}

export function image(i: W.Image__Output): T.Image {
  const out: T.Image = {
    id: i.id,
    repoTags: i.repo_tags,
    repoDigests: i.repo_digests,
    size: Number(i.size),
    username: i.username,
    pinned: i.pinned,
  };
  if (i.uid) out.uid = Number(i.uid.value);
  return out;
}

export function filesystemUsage(f: W.FilesystemUsage__Output): T.FilesystemUsage {
  const out: T.FilesystemUsage = { timestamp: nsToMs(f.timestamp), mountpoint: f.fs_id?.mountpoint ?? '' };
  const used = u64(f.used_bytes);
  const inodes = u64(f.inodes_used);
  if (used !== undefined) out.usedBytes = used;
  if (inodes !== undefined) out.inodesUsed = inodes;
  return out;
}

export function authConfig(a: T.AuthConfig | undefined): W.AuthConfig | null {
  if (!a) return null;
  return {
    username: a.username ?? '',
    password: a.password ?? '',
    auth: a.auth ?? '',
    server_address: a.serverAddress ?? '',
    identity_token: a.identityToken ?? '',
    registry_token: a.registryToken ?? '',
  };
}
