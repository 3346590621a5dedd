/**
 * The part of KubeletConfiguration (kubelet.config.k8s.io/v1beta1) that staticlet understands,
 * as a JSON Schema. Unknown fields are errors; fields the kubelet knows but staticlet has no use
 * for are accepted and reported as warnings (see IGNORED_FIELDS), so one file can serve both.
 */
const duration = { type: 'string', format: 'go-duration' } as const;
const quantityMap = {
  type: 'object',
  additionalProperties: { type: ['string', 'number'], format: 'quantity' },
} as const;
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

export const SUPPORTED_PROPERTIES = {
  apiVersion: { const: 'kubelet.config.k8s.io/v1beta1' },
  kind: { const: 'KubeletConfiguration' },
  enableServer: { type: 'boolean' },
  staticPodPath: { type: 'string' },
  podLogsDir: { type: 'string', minLength: 1 },
  crashLoopBackOff: {
    type: 'object',
    additionalProperties: false,
    properties: { maxContainerRestartPeriod: duration },
  },
  syncFrequency: duration,
  fileCheckFrequency: duration,
  httpCheckFrequency: duration,
  staticPodURL: { type: 'string' },
  staticPodURLHeader: {
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  },
  address: { type: 'string' },
  port,
  readOnlyPort: port,
  healthzPort: port,
  healthzBindAddress: { type: 'string' },
  tlsCertFile: { type: 'string' },
  tlsPrivateKeyFile: { type: 'string' },
  tlsMinVersion: { enum: ['', 'VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13'] },
  tlsCipherSuites: { type: 'array', items: { type: 'string' } },
  enableDebuggingHandlers: { type: 'boolean' },
  authentication: {
    type: 'object',
    additionalProperties: false,
    properties: {
      x509: { type: 'object', additionalProperties: false, properties: { clientCAFile: { type: 'string' } } },
      webhook: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, cacheTTL: duration } },
      anonymous: { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
    },
  },
  authorization: {
    type: 'object',
    additionalProperties: false,
    properties: {
      mode: { enum: ['AlwaysAllow', 'Webhook'] },
      webhook: { type: 'object', additionalProperties: false, properties: { cacheAuthorizedTTL: duration, cacheUnauthorizedTTL: duration } },
    },
  },
  clusterDomain: { type: 'string' },
  clusterDNS: { type: 'array', items: { type: 'string' } },
  resolvConf: { type: 'string' },
  nodeStatusUpdateFrequency: duration,
  nodeStatusReportFrequency: duration,
  nodeLeaseDurationSeconds: { type: 'integer', minimum: 1 },
  runtimeRequestTimeout: duration,
  maxPods: { type: 'integer', minimum: 1 },
  serializeImagePulls: { type: 'boolean' },
  maxParallelImagePulls: { type: 'integer', minimum: 1 },
  containerLogMaxSize: { type: 'string', format: 'quantity' },
  containerLogMaxFiles: { type: 'integer', minimum: 2 },
  kubeReserved: quantityMap,
  systemReserved: quantityMap,
  registerNode: { type: 'boolean' },
  rotateCertificates: { type: 'boolean' },
  serverTLSBootstrap: { type: 'boolean' },
  kubeAPIQPS: { type: 'number', exclusiveMinimum: 0 },
  kubeAPIBurst: { type: 'integer', minimum: 1 },
  // The kubelet's own bounds: 0 QPS means no limit on events.
  eventRecordQPS: { type: 'number', minimum: 0 },
  eventBurst: { type: 'integer', minimum: 0 },
  nodeStatusMaxImages: { type: 'integer', minimum: -1 },
  registerWithTaints: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'effect'],
      properties: {
        key: { type: 'string' },
        value: { type: 'string' },
        effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
      },
    },
  },
  containerRuntimeEndpoint: { type: 'string', minLength: 1 },
  imageServiceEndpoint: { type: 'string' },
  shutdownGracePeriod: duration,
  allowedUnsafeSysctls: { type: 'array', items: { type: 'string' } },
  // The kubelet's bounds (validation.go): percentages 0-100, low below high (checked in settings).
  imageGCHighThresholdPercent: { type: 'integer', minimum: 0, maximum: 100 },
  imageGCLowThresholdPercent: { type: 'integer', minimum: 0, maximum: 100 },
  imageMinimumGCAge: duration,
  imageMaximumGCAge: duration,
  // signal → "100Mi" or "10%"; signals and values are checked in settings (housekeeping/thresholds.ts).
  evictionHard: { type: 'object', additionalProperties: { type: 'string' } },
  evictionSoft: { type: 'object', additionalProperties: { type: 'string' } },
  evictionSoftGracePeriod: { type: 'object', additionalProperties: duration },
  evictionPressureTransitionPeriod: duration,
  mergeDefaultEvictionSettings: { type: 'boolean' },
  logging: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { enum: ['json', 'text'] },
      verbosity: { type: 'integer', minimum: 0 },
      flushFrequency: { type: ['string', 'integer'] },
      vmodule: { type: 'array' },
      options: { type: 'object' },
    },
  },
} as const;

/** KubeletConfiguration v1beta1 fields that are valid for the kubelet but mean nothing here. */
export const IGNORED_FIELDS: readonly string[] = [
  'cgroupDriver', 'cgroupRoot', 'cgroupsPerQOS', 'configMapAndSecretChangeDetectionStrategy',
  'containerLogMaxWorkers', 'containerLogMonitorInterval', 'contentType', 'cpuCFSQuota', 'cpuCFSQuotaPeriod',
  'cpuManagerPolicy', 'cpuManagerPolicyOptions', 'cpuManagerReconcilePeriod',
  'enableContentionProfiling', 'enableControllerAttachDetach', 'enableDebugFlagsHandler',
  'enableProfilingHandler', 'enableSystemLogHandler', 'enableSystemLogQuery', 'enforceNodeAllocatable',
  // Eviction of pods: static pods are never evicted, so the grace period and minimum reclaim mean nothing.
  'evictionMaxPodGracePeriod', 'evictionMinimumReclaim', 'failCgroupV1', 'failSwapOn',
  'featureGates', 'hairpinMode', 'imagePullCredentialsVerificationPolicy', 'iptablesDropBit', 'iptablesMasqueradeBit',
  'kernelMemcgNotification', 'kubeReservedCgroup', 'kubeletCgroups',
  'localStorageCapacityIsolation', 'makeIPTablesUtilChains', 'maxOpenFiles', 'memoryManagerPolicy', 'memorySwap',
  'memoryThrottlingFactor', 'oomScoreAdj', 'podCIDR',
  'podPidsLimit', 'podsPerCore', 'preloadedImagesVerificationAllowlist', 'protectKernelDefaults', 'providerID',
  'qosReserved', 'registryBurst', 'registryPullQPS', 'reservedMemory', 'reservedSystemCPUs',
  'runOnce', 'seccompDefault', 'shutdownGracePeriodByPodPriority',
  'shutdownGracePeriodCriticalPods', 'showHiddenMetricsForVersion', 'singleProcessOOMKill',
  'streamingConnectionIdleTimeout', 'systemCgroups', 'systemReservedCgroup',
  'topologyManagerPolicy', 'topologyManagerPolicyOptions', 'topologyManagerScope', 'tracing', 'userNamespaces',
  'volumePluginDir', 'volumeStatsAggPeriod',
];

export const KUBELET_CONFIG_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind'],
  additionalProperties: false,
  properties: {
    ...SUPPORTED_PROPERTIES,
    ...Object.fromEntries(IGNORED_FIELDS.map((f) => [f, {}])),
  },
} as const;
