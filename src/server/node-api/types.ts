import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from '../../api/generated/core-v1.js';
import type { Reviewer, ReviewUser } from '../../controlplane/index.js';
import type { Settings } from '../../config/settings.js';
import type { RuntimeClient } from '../../runtime/index.js';
import type { HttpRequestObservation, MetricsEndpoint, MetricsText } from '../../metrics/index.js';
import type { Summary, SummaryOptions } from '../../stats/types.js';

/** An authenticated caller (x509 CN/O, TokenReview, or anonymous). */
export type UserInfo = ReviewUser;

/** What the node API serves from; implemented by the supervisor, faked in unit tests. */
export interface NodeApiDeps {
  nodeName: string;
  /** The static pods with status, as the pod manager has them (the kubelet's pod manager pods). */
  listPods(): Pod[];
  getPod(namespace: string, name: string): Pod | undefined;
  /** Where the runtime writes the pod's container logs. */
  podLogDirectory(pod: Pod): string | undefined;
  /** The runtime once connected; routes that need it answer 503 before. */
  runtime(): RuntimeClient | undefined;
  /** The TokenReview / SubjectAccessReview client once the control plane has one. */
  reviewer(): Reviewer | undefined;
  /** The configuration in effect, as /configz shows it (`{"kubeletconfig": ...}`). */
  configz(): Record<string, unknown>;
  /** When the pod sync loop last ran (ms since the epoch); undefined before it started. */
  lastSyncLoop(): number | undefined;
  /** Deadline of a /run ExecSync, seconds. */
  runTimeoutSeconds: number;
  /** /metrics, /metrics/probes, /metrics/resource as rendered now. */
  metricsText(which: MetricsEndpoint): Promise<MetricsText>;
  /** The Summary API; undefined until the runtime has answered. */
  summary(opts: SummaryOptions): Promise<Summary | undefined>;
  /** kubelet_http_requests_total / _duration_seconds: one call per answered request. */
  observeHttpRequest?(o: HttpRequestObservation): void;
}

/**
 * Listener and security settings: the Settings fields of the same names (see
 * src/config/settings.ts for each; `port` and `healthzPort` 0 pick a free port / disable the
 * healthz listener), plus what the supervisor derives for the node API.
 */
export type NodeApiConfig = Pick<
  Settings,
  | 'address' | 'port' | 'readOnlyPort' | 'healthzBindAddress' | 'healthzPort' | 'enableServer' | 'certDir'
  | 'tlsCertFile' | 'tlsPrivateKeyFile' | 'tlsMinVersion' | 'tlsCipherSuites' | 'authentication' | 'authorization'
  | 'enableDebuggingHandlers' | 'syncFrequencyMs'
> & {
  /** Names and addresses the self-signed certificate is made for. */
  hostnames: string[];
  /** Concurrent `follow=true` log streams at most; more get 429. */
  maxLogFollowers?: number;
  /** Connection deadlines (tests shorten them); see TIMEOUTS in server.ts. */
  timeouts?: Partial<{ headersMs: number; requestMs: number; keepAliveMs: number; socketIdleMs: number; checkIntervalMs: number }>;
};

/** Which listener a request came in on: routes and the request metrics tell them apart. */
export type ServerType = 'readwrite' | 'readonly' | 'healthz';

/** One request, as a route handler sees it. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Percent-decoded path segments after the route's prefix. */
  params: string[];
  deps: NodeApiDeps;
  server: ServerType;
  /** Undefined on the read-only and healthz listeners. */
  user?: UserInfo;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/**
 * One entry of the route table. Registering a route group (say /metrics) is one `add` of these:
 * authentication, authorization, method checks and the debugging switch are the table's.
 */
export interface Route {
  /** The first path segment ('' for a route on `/` itself is not used): `pods`, `containerLogs`. */
  prefix: string;
  /** Methods served; others get 405 with Allow. HEAD is served wherever GET is. */
  methods: readonly string[];
  /** Whether the path may go on after the prefix (`/containerLogs/ns/pod/c`) or must end (`/pods`). */
  subpaths: boolean;
  /** Also served on the read-only port, without authentication. */
  readOnly?: boolean;
  /** One of the kubelet's debugging handlers: 405 when enableDebuggingHandlers is false. */
  debugging?: boolean;
  /** Also served on the plain healthz listener. */
  healthz?: boolean;
  handle(ctx: RouteContext): Promise<void> | void;
}
