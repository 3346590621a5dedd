import type { Settings } from './settings.js';

const seconds = (ms: number): string => `${ms / 1000}s`;

/**
 * The settings in effect as a KubeletConfiguration, as the kubelet's /configz serves it
 * (`{"kubeletconfig": {...}}`), under the kubelet's field names. Secrets never appear in
 * Settings, so nothing here needs redacting.
 */
export function kubeletConfigz(s: Settings): Record<string, unknown> {
  return {
    kubeletconfig: {
      ...(s.staticPodPath ? { staticPodPath: s.staticPodPath } : {}),
      ...(s.staticPodURL ? { staticPodURL: s.staticPodURL } : {}),
      syncFrequency: seconds(s.syncFrequencyMs),
      fileCheckFrequency: seconds(s.fileCheckFrequencyMs),
      httpCheckFrequency: seconds(s.httpCheckFrequencyMs),
      address: s.address,
      port: s.port,
      readOnlyPort: s.readOnlyPort,
      healthzBindAddress: s.healthzBindAddress,
      healthzPort: s.healthzPort,
      enableServer: s.enableServer,
      ...(s.tlsCertFile ? { tlsCertFile: s.tlsCertFile, tlsPrivateKeyFile: s.tlsPrivateKeyFile } : {}),
      ...(s.tlsMinVersion ? { tlsMinVersion: s.tlsMinVersion } : {}),
      ...(s.tlsCipherSuites.length ? { tlsCipherSuites: s.tlsCipherSuites } : {}),
      authentication: {
        x509: s.authentication.clientCAFile ? { clientCAFile: s.authentication.clientCAFile } : {},
        webhook: { enabled: s.authentication.webhook.enabled, cacheTTL: seconds(s.authentication.webhook.cacheTTLMs) },
        anonymous: { enabled: s.authentication.anonymous },
      },
      authorization: {
        mode: s.authorization.mode,
        webhook: { cacheAuthorizedTTL: seconds(s.authorization.webhook.cacheAuthorizedTTLMs), cacheUnauthorizedTTL: seconds(s.authorization.webhook.cacheUnauthorizedTTLMs) },
      },
      enableDebuggingHandlers: s.enableDebuggingHandlers,
      containerRuntimeEndpoint: s.containerRuntimeEndpoint,
      ...(s.imageServiceEndpoint ? { imageServiceEndpoint: s.imageServiceEndpoint } : {}),
      runtimeRequestTimeout: seconds(s.runtimeRequestTimeoutMs),
      podLogsDir: s.podLogsDir,
      maxPods: s.maxPods,
      kubeReserved: s.kubeReserved,
      systemReserved: s.systemReserved,
      containerLogMaxSize: s.containerLogMaxSize,
      containerLogMaxFiles: s.containerLogMaxFiles,
      clusterDNS: s.clusterDNS,
      ...(s.clusterDomain ? { clusterDomain: s.clusterDomain } : {}),
      resolvConf: s.resolvConf,
      allowedUnsafeSysctls: s.allowedUnsafeSysctls,
      crashLoopBackOff: { maxContainerRestartPeriod: seconds(s.crashLoopBackoffMaxMs) },
      kubeAPIQPS: s.kubeAPIQPS,
      kubeAPIBurst: s.kubeAPIBurst,
      nodeStatusUpdateFrequency: seconds(s.nodeStatusUpdateFrequencyMs),
      nodeStatusReportFrequency: seconds(s.nodeStatusReportFrequencyMs),
      nodeLeaseDurationSeconds: s.nodeLeaseDurationSeconds,
      registerNode: s.registerNode,
      registerWithTaints: s.registerWithTaints,
      rotateCertificates: s.rotateCertificates,
      serverTLSBootstrap: s.serverTLSBootstrap,
      nodeStatusMaxImages: s.nodeStatusMaxImages,
      logging: { ...(s.logging.format ? { format: s.logging.format } : {}), verbosity: s.logging.verbosity },
    },
  };
}
