import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from './duration.js';
import type { LoadedKubeletConfig } from './kubelet/load.js';
import type { KubeletConfigFile } from './kubelet/types.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../sources/decode.js';
import { labelValue, qualifiedName } from '../validation/names.js';
import type { LogFormat } from '../logging/logger.js';
import { parseThresholds, type Threshold } from '../housekeeping/thresholds.js';
import { checkSchedule } from '../housekeeping/scheduler.js';

/** Everything the supervisor needs to know, after defaults, config file and flags are merged. */
export interface Settings {
  nodeName: string;
  staticPodPath?: string;
  staticPodURL?: string;
  staticPodURLHeader: Record<string, string[]>;
  fileCheckFrequencyMs: number;
  httpCheckFrequencyMs: number;
  syncFrequencyMs: number;
  containerRuntimeEndpoint: string;
  imageServiceEndpoint?: string;
  runtimeRequestTimeoutMs: number;
  kubeconfig?: string;
  /** --bootstrap-kubeconfig: credentials for requesting the node's client certificate (TLS bootstrap). */
  bootstrapKubeconfig?: string;
  /** --cert-dir: the client certificate store (default <rootDir>/pki). */
  certDir: string;
  /** rotateCertificates / --rotate-certificates: renew the client certificate before it expires. */
  rotateCertificates: boolean;
  /**
   * serverTLSBootstrap (--rotate-server-certificates, the kubelet's deprecated flag for it): with
   * an API server and no tlsCertFile, the node API's certificate is requested from the cluster
   * (signer kubernetes.io/kubelet-serving) and rotated.
   */
  serverTLSBootstrap: boolean;
  address: string;
  port: number;
  readOnlyPort: number;
  healthzPort: number;
  healthzBindAddress: string;
  /** enableServer: serve the node HTTPS API on address:port (the healthz port is separate). */
  enableServer: boolean;
  /** The node API's serving certificate; both unset: a self-signed pair under certDir. */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** tlsMinVersion as the kubelet names it (VersionTLS12 ...); undefined: the TLS library's default. */
  tlsMinVersion?: string;
  /** tlsCipherSuites, Go/IANA names; empty: the TLS library's defaults. */
  tlsCipherSuites: string[];
  /** The node API's authentication (KubeletAuthentication). */
  authentication: NodeApiAuthentication;
  /** The node API's authorization (KubeletAuthorization). */
  authorization: NodeApiAuthorization;
  /** enableDebuggingHandlers: /run, /exec, /containerLogs, /runningpods ... (405 when false). */
  enableDebuggingHandlers: boolean;
  rootDir: string;
  podLogsDir: string;
  /** Symlinks named like the kubelet's /var/log/containers entries, for log shippers; '' disables them. */
  containerLogLinksDir: string;
  /** Unix socket of the local status API (`staticlet pods`); default <rootDir>/staticlet.sock. */
  statusSocket: string;
  /** How long logs of a removed pod stay in podLogsDir. */
  podLogRetentionMs: number;
  /** Primary node IP (hostIP of pods); detected from the interfaces when not given. */
  nodeIP: string;
  /** Crash-loop back-off: first delay and ceiling (kubelet: 10 s doubling to 5 min). */
  crashLoopBackoffBaseMs: number;
  crashLoopBackoffMaxMs: number;
  maxPods: number;
  /** --node-labels: added to the node's own labels, matched by nodeSelector and node affinity. */
  nodeLabels: Record<string, string>;
  kubeReserved: Record<string, string>;
  systemReserved: Record<string, string>;
  containerLogMaxSize: string;
  containerLogMaxFiles: number;
  clusterDNS: string[];
  clusterDomain?: string;
  resolvConf: string;
  maxManifestBytes: number;
  /**
   * Read manifests that someone other than root could have written (group/world-writable, or
   * owned by another user, the file or a directory on its path); refused otherwise.
   */
  allowInsecureManifests: boolean;
  /** Sysctls (names or `prefix*`) pods may set beyond the safe set (kubelet allowedUnsafeSysctls). */
  allowedUnsafeSysctls: string[];
  logging: { format?: LogFormat; verbosity: number };
  /** Client-side rate limit of API requests other than the heartbeat (kubelet kubeAPIQPS/kubeAPIBurst). */
  kubeAPIQPS: number;
  kubeAPIBurst: number;
  /** The event client's own rate limit (kubelet eventRecordQPS, 0 = unlimited, and eventBurst). */
  eventRecordQPS: number;
  eventBurst: number;
  nodeStatusUpdateFrequencyMs: number;
  nodeStatusReportFrequencyMs: number;
  nodeLeaseDurationSeconds: number;
  registerNode: boolean;
  registerWithTaints: Taint[];
  /** Images listed in the Node status; -1 means all, 0 none. */
  nodeStatusMaxImages: number;
  /** imageGCHigh/LowThresholdPercent, imageMinimum/MaximumGCAge (0 = no maximum). */
  imageGC: { highThresholdPercent: number; lowThresholdPercent: number; minimumAgeMs: number; maximumAgeMs: number };
  /** evictionHard + evictionSoft (with evictionSoftGracePeriod), parsed; they drive the pressure conditions. */
  evictionThresholds: Threshold[];
  evictionPressureTransitionPeriodMs: number;
  /** --housekeeping-schedule job=cron overrides (housekeeping/index.ts DEFAULT_SCHEDULES). */
  housekeepingSchedules: Record<string, string>;
}

export interface NodeApiAuthentication {
  /** authentication.x509.clientCAFile: client certificates signed by it authenticate (CN user, O groups). */
  clientCAFile?: string;
  /** authentication.webhook: bearer tokens through TokenReview (needs an API server). */
  webhook: { enabled: boolean; cacheTTLMs: number };
  /** authentication.anonymous.enabled: unauthenticated requests as system:anonymous. */
  anonymous: boolean;
}

export type AuthorizationMode = 'AlwaysAllow' | 'Webhook';
export interface NodeApiAuthorization {
  mode: AuthorizationMode;
  webhook: { cacheAuthorizedTTLMs: number; cacheUnauthorizedTTLMs: number };
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

/** Command-line values; every one is optional and wins over the config file when given. */
export interface FlagValues {
  podManifestPath?: string;
  manifestUrl?: string;
  manifestUrlHeader?: string[];
  fileCheckFrequency?: string;
  httpCheckFrequency?: string;
  syncFrequency?: string;
  hostnameOverride?: string;
  containerRuntimeEndpoint?: string;
  imageServiceEndpoint?: string;
  runtimeRequestTimeout?: string;
  kubeconfig?: string;
  bootstrapKubeconfig?: string;
  certDir?: string;
  rotateCertificates?: boolean;
  rotateServerCertificates?: boolean;
  address?: string;
  port?: number;
  readOnlyPort?: number;
  healthzPort?: number;
  healthzBindAddress?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  anonymousAuth?: boolean;
  authenticationTokenWebhook?: boolean;
  authorizationMode?: AuthorizationMode;
  rootDir?: string;
  podLogsDir?: string;
  containerLogLinksDir?: string;
  statusSocket?: string;
  podLogRetention?: string;
  nodeIp?: string;
  maxPods?: number;
  /** `key=value,key2=value2`, as the kubelet's --node-labels. */
  nodeLabels?: string;
  maxManifestSize?: number;
  allowInsecureManifests?: boolean;
  loggingFormat?: LogFormat;
  v?: number;
  registerNode?: boolean;
  /** `key=value:Effect,...`, as the kubelet's --register-with-taints. */
  registerWithTaints?: string;
  /** `job=cron expression`, repeatable: when a housekeeping job runs. */
  housekeepingSchedule?: string[];
}

export const DEFAULTS = {
  fileCheckFrequency: '20s',
  httpCheckFrequency: '20s',
  syncFrequency: '1m',
  runtimeRequestTimeout: '2m',
  containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
  address: '0.0.0.0',
  port: 10250,
  readOnlyPort: 0,
  healthzPort: 10248,
  healthzBindAddress: '127.0.0.1',
  rootDir: '/var/lib/staticlet',
  podLogsDir: '/var/log/pods',
  containerLogLinksDir: '/var/log/containers',
  podLogRetention: '1h',
  crashLoopBackoffBase: '10s',
  crashLoopBackoffMax: '5m',
  maxPods: 110,
  containerLogMaxSize: '10Mi',
  containerLogMaxFiles: 5,
  resolvConf: '/etc/resolv.conf',
  kubeAPIQPS: 50,
  kubeAPIBurst: 100,
  eventRecordQPS: 50,
  eventBurst: 100,
  nodeStatusUpdateFrequency: '10s',
  nodeStatusReportFrequency: '5m',
  nodeLeaseDurationSeconds: 40,
  nodeStatusMaxImages: 50,
  imageGCHighThresholdPercent: 85,
  imageGCLowThresholdPercent: 80,
  imageMinimumGCAge: '2m',
  imageMaximumGCAge: '0s',
  evictionPressureTransitionPeriod: '5m',
  // KubeletConfiguration v1beta1 defaults (not the legacy flags-only ones: see README, Node API).
  authenticationWebhookCacheTTL: '2m',
  authorizationWebhookCacheAuthorizedTTL: '5m',
  authorizationWebhookCacheUnauthorizedTTL: '30s',
} as const;

/** The client certificate store under the root directory (the kubelet's <root-dir>/pki). */
export const CERT_DIR_NAME = 'pki';

/** Name of the status socket under the root directory (`staticlet pods` looks there). */
export const STATUS_SOCKET_NAME = 'staticlet.sock';

/** First non-loopback IPv4 address, as a node IP when none is configured; loopback otherwise. */
export function detectNodeIP(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The kubelet lower-cases and trims the host name it registers under; so do we. */
export function nodeNameFrom(override?: string): string {
  return (override && override.trim() ? override : hostname()).trim().toLowerCase();
}

/**
 * `--manifest-url-header` takes `key:value` pairs, comma-separated or repeated, like the kubelet's
 * flag; repeated keys accumulate values.
 */
export function parseHeaderFlags(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    for (const pair of v.split(',')) {
      if (!pair.trim()) continue;
      const idx = pair.indexOf(':');
      if (idx <= 0) throw new Error(`invalid --manifest-url-header "${pair}": expected key:value`);
      const key = pair.slice(0, idx).trim();
      (out[key] ??= []).push(pair.slice(idx + 1).trim());
    }
  }
  return out;
}

export function resolveSettings(flags: FlagValues, file?: LoadedKubeletConfig): Settings {
  const c: Partial<KubeletConfigFile> = file?.config ?? {};
  const pick = <T>(flag: T | undefined, fromFile: T | undefined, def: T): T => flag ?? fromFile ?? def;
  const duration = (name: string, flag: string | undefined, fromFile: string | undefined, def: string): number => {
    const text = pick(flag, fromFile, def);
    try {
      return parseDuration(text);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
  };
  const updateFrequency = duration('nodeStatusUpdateFrequency', undefined, c.nodeStatusUpdateFrequency, DEFAULTS.nodeStatusUpdateFrequency);
  // The kubelet: an explicitly set update frequency is also the report frequency's default.
  const reportFrequency = duration('nodeStatusReportFrequency', undefined, c.nodeStatusReportFrequency ?? c.nodeStatusUpdateFrequency, DEFAULTS.nodeStatusReportFrequency);
  const staticPodPath = flags.podManifestPath ?? c.staticPodPath;
  const staticPodURL = flags.manifestUrl ?? c.staticPodURL;
  const settings: Settings = {
    nodeName: nodeNameFrom(flags.hostnameOverride),
    staticPodURLHeader: flags.manifestUrlHeader?.length ? parseHeaderFlags(flags.manifestUrlHeader) : (c.staticPodURLHeader ?? {}),
    fileCheckFrequencyMs: duration('fileCheckFrequency', flags.fileCheckFrequency, c.fileCheckFrequency, DEFAULTS.fileCheckFrequency),
    httpCheckFrequencyMs: duration('httpCheckFrequency', flags.httpCheckFrequency, c.httpCheckFrequency, DEFAULTS.httpCheckFrequency),
    syncFrequencyMs: duration('syncFrequency', flags.syncFrequency, c.syncFrequency, DEFAULTS.syncFrequency),
    containerRuntimeEndpoint: pick(flags.containerRuntimeEndpoint, c.containerRuntimeEndpoint, DEFAULTS.containerRuntimeEndpoint),
    runtimeRequestTimeoutMs: duration('runtimeRequestTimeout', flags.runtimeRequestTimeout, c.runtimeRequestTimeout, DEFAULTS.runtimeRequestTimeout),
    address: pick(flags.address, c.address, DEFAULTS.address),
    port: pick(flags.port, c.port, DEFAULTS.port),
    readOnlyPort: pick(flags.readOnlyPort, c.readOnlyPort, DEFAULTS.readOnlyPort),
    healthzPort: pick(flags.healthzPort, c.healthzPort, DEFAULTS.healthzPort),
    healthzBindAddress: pick(flags.healthzBindAddress, c.healthzBindAddress, DEFAULTS.healthzBindAddress),
    enableServer: c.enableServer ?? true,
    tlsCipherSuites: c.tlsCipherSuites ?? [],
    authentication: {
      webhook: {
        // The config file's default (true); it only takes effect with an API server to ask.
        enabled: pick(flags.authenticationTokenWebhook, c.authentication?.webhook?.enabled, true),
        cacheTTLMs: duration('authentication.webhook.cacheTTL', undefined, c.authentication?.webhook?.cacheTTL, DEFAULTS.authenticationWebhookCacheTTL),
      },
      anonymous: pick(flags.anonymousAuth, c.authentication?.anonymous?.enabled, false),
    },
    authorization: {
      // Webhook needs an API server: without one only AlwaysAllow can decide.
      mode: pick(flags.authorizationMode, c.authorization?.mode, flags.kubeconfig ? 'Webhook' : 'AlwaysAllow'),
      webhook: {
        cacheAuthorizedTTLMs: duration('authorization.webhook.cacheAuthorizedTTL', undefined, c.authorization?.webhook?.cacheAuthorizedTTL, DEFAULTS.authorizationWebhookCacheAuthorizedTTL),
        cacheUnauthorizedTTLMs: duration('authorization.webhook.cacheUnauthorizedTTL', undefined, c.authorization?.webhook?.cacheUnauthorizedTTL, DEFAULTS.authorizationWebhookCacheUnauthorizedTTL),
      },
    },
    enableDebuggingHandlers: c.enableDebuggingHandlers ?? true,
    rootDir: flags.rootDir ?? DEFAULTS.rootDir,
    certDir: flags.certDir ?? join(flags.rootDir ?? DEFAULTS.rootDir, CERT_DIR_NAME),
    rotateCertificates: pick(flags.rotateCertificates, c.rotateCertificates, false),
    serverTLSBootstrap: pick(flags.rotateServerCertificates, c.serverTLSBootstrap, false),
    podLogsDir: flags.podLogsDir ?? c.podLogsDir ?? DEFAULTS.podLogsDir,
    containerLogLinksDir: flags.containerLogLinksDir ?? DEFAULTS.containerLogLinksDir,
    statusSocket: flags.statusSocket ?? join(flags.rootDir ?? DEFAULTS.rootDir, STATUS_SOCKET_NAME),
    podLogRetentionMs: duration('podLogRetention', flags.podLogRetention, undefined, DEFAULTS.podLogRetention),
    nodeIP: flags.nodeIp ?? detectNodeIP(),
    crashLoopBackoffBaseMs: parseDuration(DEFAULTS.crashLoopBackoffBase),
    crashLoopBackoffMaxMs: duration('crashLoopBackOff.maxContainerRestartPeriod', undefined, c.crashLoopBackOff?.maxContainerRestartPeriod, DEFAULTS.crashLoopBackoffMax),
    maxPods: pick(flags.maxPods, c.maxPods, DEFAULTS.maxPods),
    nodeLabels: parseNodeLabels(flags.nodeLabels ?? ''),
    kubeReserved: stringMap(c.kubeReserved),
    systemReserved: stringMap(c.systemReserved),
    containerLogMaxSize: c.containerLogMaxSize ?? DEFAULTS.containerLogMaxSize,
    containerLogMaxFiles: c.containerLogMaxFiles ?? DEFAULTS.containerLogMaxFiles,
    clusterDNS: c.clusterDNS ?? [],
    resolvConf: c.resolvConf ?? DEFAULTS.resolvConf,
    maxManifestBytes: flags.maxManifestSize ?? DEFAULT_MAX_MANIFEST_BYTES,
    allowInsecureManifests: flags.allowInsecureManifests ?? false,
    allowedUnsafeSysctls: c.allowedUnsafeSysctls ?? [],
    kubeAPIQPS: c.kubeAPIQPS ?? DEFAULTS.kubeAPIQPS,
    kubeAPIBurst: c.kubeAPIBurst ?? DEFAULTS.kubeAPIBurst,
    eventRecordQPS: c.eventRecordQPS ?? DEFAULTS.eventRecordQPS,
    eventBurst: c.eventBurst ?? DEFAULTS.eventBurst,
    nodeStatusUpdateFrequencyMs: updateFrequency,
    nodeStatusReportFrequencyMs: reportFrequency,
    nodeLeaseDurationSeconds: c.nodeLeaseDurationSeconds ?? DEFAULTS.nodeLeaseDurationSeconds,
    registerNode: pick(flags.registerNode, c.registerNode, true),
    registerWithTaints: flags.registerWithTaints !== undefined ? parseTaints(flags.registerWithTaints) : (c.registerWithTaints ?? []).map((t) => ({ ...t })),
    nodeStatusMaxImages: c.nodeStatusMaxImages ?? DEFAULTS.nodeStatusMaxImages,
    imageGC: {
      highThresholdPercent: c.imageGCHighThresholdPercent ?? DEFAULTS.imageGCHighThresholdPercent,
      lowThresholdPercent: c.imageGCLowThresholdPercent ?? DEFAULTS.imageGCLowThresholdPercent,
      minimumAgeMs: duration('imageMinimumGCAge', undefined, c.imageMinimumGCAge, DEFAULTS.imageMinimumGCAge),
      maximumAgeMs: duration('imageMaximumGCAge', undefined, c.imageMaximumGCAge, DEFAULTS.imageMaximumGCAge),
    },
    evictionThresholds: parseThresholds({
      evictionHard: c.evictionHard,
      evictionSoft: c.evictionSoft,
      evictionSoftGracePeriod: Object.fromEntries(Object.entries(c.evictionSoftGracePeriod ?? {}).map(([k, v]) => [k, duration(`evictionSoftGracePeriod[${k}]`, undefined, v, '0s')])),
      mergeDefaultEvictionSettings: c.mergeDefaultEvictionSettings,
    }),
    evictionPressureTransitionPeriodMs: duration('evictionPressureTransitionPeriod', undefined, c.evictionPressureTransitionPeriod, DEFAULTS.evictionPressureTransitionPeriod),
    housekeepingSchedules: parseSchedules(flags.housekeepingSchedule ?? []),
    logging: {
      verbosity: flags.v ?? c.logging?.verbosity ?? 0,
      ...((flags.loggingFormat ?? c.logging?.format) ? { format: flags.loggingFormat ?? c.logging?.format } : {}),
    },
  };
  if (staticPodPath) settings.staticPodPath = staticPodPath;
  if (staticPodURL) settings.staticPodURL = staticPodURL;
  const imageEndpoint = flags.imageServiceEndpoint ?? c.imageServiceEndpoint;
  if (imageEndpoint) settings.imageServiceEndpoint = imageEndpoint;
  if (flags.kubeconfig) settings.kubeconfig = flags.kubeconfig;
  if (flags.bootstrapKubeconfig) {
    // The kubelet writes the kubeconfig it bootstraps to --kubeconfig: there must be one.
    if (!flags.kubeconfig) throw new Error('--bootstrap-kubeconfig needs --kubeconfig (the file the issued certificate is written to)');
    settings.bootstrapKubeconfig = flags.bootstrapKubeconfig;
  }
  if (c.clusterDomain) settings.clusterDomain = c.clusterDomain;
  const certFile = flags.tlsCertFile ?? c.tlsCertFile;
  const keyFile = flags.tlsPrivateKeyFile ?? c.tlsPrivateKeyFile;
  // One without the other cannot serve: the kubelet refuses that too.
  if (!certFile !== !keyFile) throw new Error('tlsCertFile and tlsPrivateKeyFile must be given together');
  if (certFile && keyFile) {
    settings.tlsCertFile = certFile;
    settings.tlsPrivateKeyFile = keyFile;
  }
  if (c.tlsMinVersion) settings.tlsMinVersion = c.tlsMinVersion;
  const clientCA = flags.clientCaFile ?? c.authentication?.x509?.clientCAFile;
  if (clientCA) settings.authentication.clientCAFile = clientCA;
  checkImageGC(settings.imageGC);
  if (settings.authorization.mode === 'Webhook' && !settings.kubeconfig) {
    throw new Error('authorization.mode Webhook needs an API server (--kubeconfig) to send SubjectAccessReviews to; use AlwaysAllow standalone');
  }
  return settings;
}

/** The kubelet's validation of the image GC settings (validation.go). */
function checkImageGC(g: Settings['imageGC']): void {
  if (g.lowThresholdPercent >= g.highThresholdPercent) {
    throw new Error(`imageGCLowThresholdPercent (${g.lowThresholdPercent}) must be less than imageGCHighThresholdPercent (${g.highThresholdPercent})`);
  }
  if (g.maximumAgeMs !== 0 && g.maximumAgeMs <= g.minimumAgeMs) {
    throw new Error('imageMaximumGCAge must be greater than imageMinimumGCAge (or 0, no maximum)');
  }
}

const JOB_NAME = /^[a-z][a-z0-9-]*$/;

/** `--housekeeping-schedule image-gc=*\/5 * * * *`: each expression checked as node-cron reads it. */
export function parseSchedules(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq < 0 ? '' : v.slice(0, eq).trim();
    if (!JOB_NAME.test(name)) throw new Error(`--housekeeping-schedule "${v}": expected job=cron-expression`);
    const expr = v.slice(eq + 1).trim();
    checkSchedule(name, expr);
    out[name] = expr;
  }
  return out;
}

function stringMap(m: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, String(v)]));
}

/** `k=v,k2=v2` (the kubelet's --node-labels) with label syntax checked. */
export function parseNodeLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const errors = [...qualifiedName(key), ...labelValue(value)];
    if (eq < 0 || errors.length > 0) throw new Error(`--node-labels: invalid label "${part}"${errors.length ? `: ${errors.join('; ')}` : ': expected key=value'}`);
    out[key] = value;
  }
  return out;
}

const EFFECTS: readonly string[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** `key=value:Effect,key:Effect` (the kubelet's --register-with-taints), key and value checked as label parts. */
export function parseTaints(text: string): Taint[] {
  const out: Taint[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.lastIndexOf(':');
    const effect = colon < 0 ? '' : part.slice(colon + 1);
    const kv = colon < 0 ? part : part.slice(0, colon);
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    const errors = [...qualifiedName(key), ...(value !== undefined ? labelValue(value) : [])];
    if (!EFFECTS.includes(effect)) errors.push(`effect must be one of ${EFFECTS.join(', ')}`);
    if (errors.length > 0) throw new Error(`--register-with-taints: invalid taint "${part}": ${errors.join('; ')}`);
    out.push({ key, ...(value !== undefined ? { value } : {}), effect: effect as TaintEffect });
  }
  return out;
}
