/**
 * The container runtime as the rest of staticlet sees it: plain data, no gRPC or protobuf types.
 * Times are milliseconds since the epoch (0 = not set); CRI's nanosecond values are converted at
 * the boundary because nothing above it needs sub-millisecond precision.
 */

export type Labels = Record<string, string>;

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface NamespaceOptions {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
}

export type SeccompProfile =
  | { type: 'RuntimeDefault' }
  | { type: 'Unconfined' }
  | { type: 'Localhost'; localhostRef: string };

/** Seccomp and AppArmor profiles share the CRI SecurityProfile shape. */
export type SecurityProfile = SeccompProfile;

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

export interface PortMapping {
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

export interface DnsConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** Must stay unset for host-network pods: runc refuses a hostname without a private UTS ns. */
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: DnsConfig;
  portMappings?: PortMapping[];
  labels?: Labels;
  annotations?: Labels;
  linux?: {
    cgroupParent?: string;
    sysctls?: Labels;
    securityContext?: {
      namespaceOptions?: NamespaceOptions;
      runAsUser?: number;
      runAsGroup?: number;
      readonlyRootfs?: boolean;
      supplementalGroups?: number[];
      privileged?: boolean;
      seccomp?: SeccompProfile;
      apparmor?: SecurityProfile;
    };
  };
}

export type PodSandboxState = 'ready' | 'notready';

export type PodSandboxBrief = Pick<PodSandbox, 'id' | 'state' | 'labels'>;

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  labels: Labels;
  annotations: Labels;
  runtimeHandler: string;
}

export interface PodSandboxStatus extends PodSandbox {
  /** Primary pod IP; empty for host-network sandboxes. */
  ip: string;
  additionalIps: string[];
  namespaceOptions?: NamespaceOptions;
}

export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  labelSelector?: Labels;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  propagation?: 'private' | 'host-to-container' | 'bidirectional';
}

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** pageSize as CRI names it: "2MB", "1GB" (1024-based units); limit in bytes. */
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
  unified?: Labels;
  memorySwapLimitInBytes?: number;
}

export interface LinuxContainerSecurityContext {
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  namespaceOptions?: NamespaceOptions;
  runAsUser?: number;
  runAsGroup?: number;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  supplementalGroups?: number[];
  noNewPrivs?: boolean;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: SeccompProfile;
  apparmor?: SecurityProfile;
  /** The pre-1.30 string form of `apparmor`, still the only one containerd 1.6 reads. */
  apparmorProfile?: string;
}

export interface ContainerMetadata {
  name: string;
  attempt?: number;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  /** Image reference as resolved by the image manager (ideally the image ID/ref it returned). */
  image: string;
  /** What the user wrote in the manifest; runtimes show it in status. */
  userSpecifiedImage?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: Labels;
  annotations?: Labels;
  /** Relative to the sandbox's logDirectory. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: {
    resources?: LinuxContainerResources;
    securityContext?: LinuxContainerSecurityContext;
  };
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export type ContainerBrief = Pick<Container, 'id' | 'podSandboxId' | 'state' | 'labels'>;

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: string;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Labels;
  annotations: Labels;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: string;
  imageRef: string;
  /** Runtime's short reason, e.g. "Completed", "Error", "OOMKilled". */
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  mounts: Mount[];
  logPath: string;
}

export interface ContainerFilter {
  id?: string;
  state?: ContainerState;
  podSandboxId?: string;
  labelSelector?: Labels;
}

export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** CPU and memory as CRI reports them for a container or a pod sandbox (Linux part). */
export interface CpuMemoryFigures {
  /** Sample time of the CPU figures, ms. */
  timestamp: number;
  cpuUsageCoreNanoSeconds?: number;
  cpuUsageNanoCores?: number;
  memoryWorkingSetBytes?: number;
  memoryUsageBytes?: number;
  memoryRssBytes?: number;
  memoryAvailableBytes?: number;
  memoryPageFaults?: number;
  memoryMajorPageFaults?: number;
}

export interface ContainerStats extends CpuMemoryFigures {
  id: string;
  name: string;
  labels: Labels;
  annotations: Labels;
  writableLayerUsedBytes?: number;
  writableLayerInodesUsed?: number;
  /** Where the writable layer lives (the image filesystem's mountpoint), when the runtime says. */
  writableLayerMountpoint?: string;
}

/** A pod sandbox's own figures (CRI ListPodSandboxStats, Linux part). */
export interface PodSandboxStats extends CpuMemoryFigures {
  id: string;
  labels: Labels;
  network?: { timestamp: number; interfaces: NetworkInterfaceUsage[]; defaultInterface?: NetworkInterfaceUsage };
  processCount?: number;
}

export interface NetworkInterfaceUsage {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

export interface ContainerStatsFilter {
  id?: string;
  podSandboxId?: string;
  labelSelector?: Labels;
}

export interface RuntimeVersion {
  /** Version of the CRI the client asked for. */
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface RuntimeStatus {
  conditions: RuntimeCondition[];
  /** Verbose runtime-specific details (JSON strings), only when asked for. */
  info: Labels;
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid?: number;
  username: string;
  pinned: boolean;
}

export interface FilesystemUsage {
  timestamp: number;
  mountpoint: string;
  usedBytes?: number;
  inodesUsed?: number;
}

export interface ImageFsInfo {
  imageFilesystems: FilesystemUsage[];
  containerFilesystems: FilesystemUsage[];
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Per-call options; every call also has a default deadline chosen by the implementation. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** CRI RuntimeService: sandboxes, containers, exec, status, stats and log reopening. */
export interface Runtime {
  version(opts?: CallOptions): Promise<RuntimeVersion>;
  status(verbose?: boolean, opts?: CallOptions): Promise<RuntimeStatus>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string, opts?: CallOptions): Promise<string>;
  stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void>;
  removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void>;
  podSandboxStatus(podSandboxId: string, opts?: CallOptions): Promise<PodSandboxStatus>;
  listPodSandboxes(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]>;
  /** listPodSandboxes with only what the relist reads; cheaper to decode, once a second. */
  listPodSandboxBriefs(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandboxBrief[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, opts?: CallOptions): Promise<string>;
  startContainer(containerId: string, opts?: CallOptions): Promise<void>;
  /** timeoutSeconds: grace period before SIGKILL; 0 kills at once. */
  stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void>;
  removeContainer(containerId: string, opts?: CallOptions): Promise<void>;
  listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]>;
  /** listContainers with only what the relist reads. */
  listContainerBriefs(filter?: ContainerFilter, opts?: CallOptions): Promise<ContainerBrief[]>;
  containerStatus(containerId: string, opts?: CallOptions): Promise<ContainerStatus>;
  updateContainerResources(containerId: string, resources: LinuxContainerResources, opts?: CallOptions): Promise<void>;
  reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void>;

  /** timeoutSeconds 0 = no exec timeout; the runtime reports a timeout as an error. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number, opts?: CallOptions): Promise<ExecResult>;

  containerStats(containerId: string, opts?: CallOptions): Promise<ContainerStats>;
  listContainerStats(filter?: ContainerStatsFilter, opts?: CallOptions): Promise<ContainerStats[]>;
  /** Pod-level stats; runtimes without it (CRI before 1.23) reject with UnimplementedError. */
  listPodSandboxStats(filter?: { id?: string; labelSelector?: Labels }, opts?: CallOptions): Promise<PodSandboxStats[]>;
}

/** CRI ImageService. */
export interface ImageService {
  listImages(image?: string, opts?: CallOptions): Promise<Image[]>;
  /** null when the runtime does not have the image. */
  imageStatus(image: string, opts?: CallOptions): Promise<Image | null>;
  /** Returns the image reference (usually the image ID) the runtime pulled. */
  pullImage(image: string, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig, opts?: CallOptions): Promise<string>;
  removeImage(image: string, opts?: CallOptions): Promise<void>;
  imageFsInfo(opts?: CallOptions): Promise<ImageFsInfo>;
}

/** A connected client for both services; close() releases the gRPC channels. */
export interface RuntimeClient extends Runtime, ImageService {
  readonly endpoint: string;
  readonly imageEndpoint: string;
  close(): void;
}
