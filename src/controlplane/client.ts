/**
 * API clients from --kubeconfig. Two sets, as the kubelet has: the main one rate-limited by
 * kubeAPIQPS / kubeAPIBurst, and a heartbeat one (Lease, node status) that is never throttled,
 * so a burst of other requests cannot make the node look dead.
 */
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  KubeConfig,
  type Configuration,
  ServerConfiguration,
  type Middleware as PromiseMiddleware,
  type RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
  Watch,
} from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { TokenBucket } from './rate-limit.js';
import { userAgent } from './version.js';

export interface ApiClients {
  server: string;
  /** Registration and everything else: rate-limited. */
  core: CoreV1Api;
  /** Lease and node status: unthrottled, with a deadline per request. */
  heartbeatCore: CoreV1Api;
  heartbeatCoordination: CoordinationV1Api;
  /** The rate-limited configuration itself, for paths no generated API covers (/openapi). */
  config: Configuration;
  /** TokenReview / SubjectAccessReview for the node API: unthrottled, short deadline (a request waits on them). */
  authentication: AuthenticationV1Api;
  authorization: AuthorizationV1Api;
  /** Events: their own rate limit (eventRecordQPS / eventBurst), so a flood of events cannot delay the rest. */
  events: CoreV1Api;
  /**
   * Watches (the mirror pods' informer): the library's Watch, with the current credentials and
   * the User-Agent on every request. A watch takes one token of `core`'s rate limit when it
   * starts, as client-go's does, but holds none while it streams, and has no request deadline
   * (it is meant to stay open; its reader sets timeoutSeconds instead).
   */
  watch: Watch;
  /** The credentials every request is sent with (the serving certificate's requests use them too). */
  credentials: CredentialSource;
}

/**
 * Credentials that can change while the clients live (a rotated client certificate): every
 * request asks for the current KubeConfig, so the next request after a swap uses the new pair
 * and requests already sent finish with the old one.
 */
export interface CredentialSource {
  current(): KubeConfig;
}

export interface ClientOptions {
  /** A kubeconfig file, read once; or `credentials`, asked on every request. */
  kubeconfig?: string;
  credentials?: CredentialSource;
  qps: number;
  burst: number;
  /** Deadline of heartbeat requests: the kubelet's min(nodeStatusUpdateFrequency, lease duration). */
  heartbeatTimeoutMs: number;
  /** Deadline of other requests. */
  timeoutMs?: number;
  /** The event client's limit: the kubelet's eventRecordQPS (50; 0 = unlimited) and eventBurst (100). */
  eventQps?: number;
  eventBurst?: number;
}

/** Deadline of TokenReview / SubjectAccessReview calls (the webhook authenticator's default is 10 s). */
const REVIEW_TIMEOUT_MS = 10_000;
export const DEFAULT_EVENT_QPS = 50;
export const DEFAULT_EVENT_BURST = 100;

export function middleware(opts: { limiter?: TokenBucket; timeoutMs: number }): PromiseMiddleware {
  const ua = userAgent();
  return {
    pre: async (ctx: RequestContext): Promise<RequestContext> => {
      ctx.setHeaderParam('User-Agent', ua);
      if (opts.limiter) await opts.limiter.take();
      // node-fetch's AbortSignal type is its own; the platform signal is what it accepts at run time.
      ctx.setSignal(AbortSignal.timeout(opts.timeoutMs) as unknown as Parameters<RequestContext['setSignal']>[0]);
      return ctx;
    },
    post: async (ctx: ResponseContext): Promise<ResponseContext> => ctx,
  };
}

/** Authentication that defers to whatever KubeConfig the source holds at request time. */
export function dynamicAuth(source: CredentialSource): SecurityAuthentication {
  return {
    getName: () => 'default',
    applySecurityAuthentication: (ctx: RequestContext) => source.current().applySecurityAuthentication(ctx),
  };
}

/**
 * The KubeConfig a Watch reads: the Watch asks it for the cluster and the fetch options of each
 * request, and it answers from whatever the credential source holds then (a rotated certificate
 * is used by the next watch) with the User-Agent the other clients send.
 */
class CurrentKubeConfig extends KubeConfig {
  constructor(private readonly source: CredentialSource) {
    super();
  }
  override getCurrentCluster(): ReturnType<KubeConfig['getCurrentCluster']> {
    return this.source.current().getCurrentCluster();
  }
  override applyToFetchOptions(opts: RequestOptions): ReturnType<KubeConfig['applyToFetchOptions']> {
    return this.source.current().applyToFetchOptions({ ...opts, headers: { ...opts.headers, 'User-Agent': userAgent() } });
  }
}

/** A Watch that waits for a token of the main rate limit before each watch request. */
class LimitedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly limiter: TokenBucket,
  ) {
    super(config);
  }
  override async watch(...args: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    await this.limiter.take();
    return super.watch(...args);
  }
}

export function loadClients(o: ClientOptions): ApiClients {
  let source = o.credentials;
  if (!source) {
    const kc = new KubeConfig();
    kc.loadFromFile(o.kubeconfig ?? '');
    source = { current: () => kc };
  }
  const cluster = source.current().getCurrentCluster();
  if (!cluster) throw new Error(`${o.kubeconfig ?? 'credentials'}: no current cluster`);
  const auth = dynamicAuth(source);
  const make = (m: PromiseMiddleware) =>
    createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: auth }, promiseMiddleware: [m] });
  const limiter = new TokenBucket(o.qps, o.burst);
  const limited = make(middleware({ limiter, timeoutMs: o.timeoutMs ?? 60_000 }));
  const heartbeat = make(middleware({ timeoutMs: o.heartbeatTimeoutMs }));
  // A node API request waits on its review: it must not queue behind mirror-pod traffic.
  const review = make(middleware({ timeoutMs: REVIEW_TIMEOUT_MS }));
  const eventQps = o.eventQps ?? DEFAULT_EVENT_QPS;
  // A burst of 0 (valid for the kubelet) would never let a request through here: at least 1.
  const eventLimiter = eventQps > 0 ? new TokenBucket(eventQps, Math.max(1, o.eventBurst ?? DEFAULT_EVENT_BURST)) : undefined;
  const events = make(middleware({ ...(eventLimiter ? { limiter: eventLimiter } : {}), timeoutMs: o.timeoutMs ?? 60_000 }));
  return {
    server: cluster.server,
    core: new CoreV1Api(limited),
    heartbeatCore: new CoreV1Api(heartbeat),
    heartbeatCoordination: new CoordinationV1Api(heartbeat),
    config: limited,
    authentication: new AuthenticationV1Api(review),
    authorization: new AuthorizationV1Api(review),
    events: new CoreV1Api(events),
    watch: new LimitedWatch(new CurrentKubeConfig(source), limiter),
    credentials: source,
  };
}

/**
 * GET of a path outside the generated APIs (`/openapi/v3`), through the client's own pieces:
 * its server, authentication, middleware (user agent, rate limit, deadline) and HTTP library.
 */
export async function getRaw(config: Configuration, path: string): Promise<{ status: number; body: string }> {
  let ctx = config.baseServer.makeRequestContext(path, HttpMethod.GET);
  ctx.setHeaderParam('Accept', 'application/json');
  await config.authMethods.default?.applySecurityAuthentication(ctx);
  for (const m of config.middleware) ctx = await m.pre(ctx).toPromise();
  const res = await config.httpApi.send(ctx).toPromise();
  return { status: res.httpStatusCode, body: await res.body.text() };
}

/** HTTP status of a failed API call (0 when the server did not answer). */
export function statusCode(err: unknown): number {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : 0;
}

export function errorText(err: unknown): string {
  const code = statusCode(err);
  const body = (err as { body?: unknown } | null)?.body;
  if (code && typeof body === 'string') {
    try {
      const m = (JSON.parse(body) as { message?: unknown }).message;
      if (typeof m === 'string') return `${code}: ${m}`;
    } catch {
      /* not a Status body */
    }
  }
  return code ? `HTTP ${code}` : ((err as Error)?.message ?? String(err));
}
