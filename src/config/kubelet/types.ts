/** KubeletConfiguration fields staticlet reads, as they appear in the file (durations as text). */
export interface KubeletConfigFile {
  apiVersion: 'kubelet.config.k8s.io/v1beta1';
  kind: 'KubeletConfiguration';
  enableServer?: boolean;
  staticPodPath?: string;
  podLogsDir?: string;
  crashLoopBackOff?: { maxContainerRestartPeriod?: string };
  syncFrequency?: string;
  fileCheckFrequency?: string;
  httpCheckFrequency?: string;
  staticPodURL?: string;
  staticPodURLHeader?: Record<string, string[]>;
  address?: string;
  port?: number;
  readOnlyPort?: number;
  healthzPort?: number;
  healthzBindAddress?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  tlsMinVersion?: '' | 'VersionTLS10' | 'VersionTLS11' | 'VersionTLS12' | 'VersionTLS13';
  tlsCipherSuites?: string[];
  enableDebuggingHandlers?: boolean;
  authentication?: {
    x509?: { clientCAFile?: string };
    webhook?: { enabled?: boolean; cacheTTL?: string };
    anonymous?: { enabled?: boolean };
  };
  authorization?: {
    mode?: 'AlwaysAllow' | 'Webhook';
    webhook?: { cacheAuthorizedTTL?: string; cacheUnauthorizedTTL?: string };
  };
  clusterDomain?: string;
  clusterDNS?: string[];
  resolvConf?: string;
  nodeStatusUpdateFrequency?: string;
  nodeStatusReportFrequency?: string;
  nodeLeaseDurationSeconds?: number;
  runtimeRequestTimeout?: string;
  maxPods?: number;
  serializeImagePulls?: boolean;
  maxParallelImagePulls?: number;
  containerLogMaxSize?: string;
  containerLogMaxFiles?: number;
  kubeReserved?: Record<string, string | number>;
  systemReserved?: Record<string, string | number>;
  registerNode?: boolean;
  rotateCertificates?: boolean;
  serverTLSBootstrap?: boolean;
  kubeAPIQPS?: number;
  kubeAPIBurst?: number;
  nodeStatusMaxImages?: number;
  registerWithTaints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  containerRuntimeEndpoint?: string;
  imageServiceEndpoint?: string;
  shutdownGracePeriod?: string;
  allowedUnsafeSysctls?: string[];
  logging?: { format?: 'json' | 'text'; verbosity?: number };
}
