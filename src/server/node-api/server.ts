/**
 * The node API's listeners: HTTPS on address:port (authenticated, authorized), plain HTTP
 * /healthz on healthzBindAddress:healthzPort (ping only, as the kubelet's), and, only when
 * readOnlyPort is set, the unauthenticated read-only subset on address:readOnlyPort.
 *
 * The HTTPS certificate can change while serving: with serverTLSBootstrap the control plane
 * hands a ServingCertificateSource in (useServingCertificates), and each pair it issues replaces
 * the TLS context for new handshakes; connections already open finish with the pair they began
 * with. Standalone nothing is handed in and the configured or self-signed pair stays.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import type { ServingCertificateSource, ServingPairPem } from '../../controlplane/index.js';
import type { Logger } from '../../logging/logger.js';
import { Authenticator } from './authn.js';
import { Authorizer } from './authz.js';
import { dispatch, type PipelineOptions, type RouteTable } from './router.js';
import { defaultRoutes } from './routes/index.js';
import { servingPair, tlsVersionAndCiphers } from './tls.js';
import type { NodeApiConfig, NodeApiDeps, ServerType } from './types.js';

/**
 * Connection limits. Headers must arrive within 30 s and a whole request within 60 s (no route
 * takes a body worth the name), which stops slow-loris clients; an idle kept-alive connection
 * closes after 90 s (the kubelet's IdleTimeout) and any connection quiet for 4 h (its
 * Read/WriteTimeout) goes too, so a follower that stopped reading cannot hold one forever.
 */
export const TIMEOUTS = { headersMs: 30_000, requestMs: 60_000, keepAliveMs: 90_000, socketIdleMs: 4 * 3600_000, checkIntervalMs: 5_000 };
export type Timeouts = typeof TIMEOUTS;
/** Open connections per listener at most; beyond that new ones are dropped by the kernel accept path. */
export const MAX_CONNECTIONS = 1024;

const RETRY_MS = 5_000;

function listenOnce(server: Server, address: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, address, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export interface NodeApiAddresses {
  secure?: AddressInfo;
  healthz?: AddressInfo;
  readOnly?: AddressInfo;
}

export class NodeApiServer {
  readonly routes: RouteTable;
  private readonly servers: Array<{ type: ServerType; server: Server }> = [];
  private readonly bound: NodeApiAddresses = {};
  private readonly retries: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly timeouts: Timeouts;
  /** The HTTPS server and the TLS settings every context it gets keeps (client CA, versions, ciphers). */
  private secure: { server: HttpsServer; base: SecureContextOptions } | undefined;
  private servingSource: ServingCertificateSource | undefined;
  private unsubscribe: (() => void) | undefined;
  /** How many times the serving pair was swapped (tests, logs). */
  servingSwaps = 0;

  constructor(
    private readonly config: NodeApiConfig,
    private readonly deps: NodeApiDeps,
    private readonly logger?: Logger,
  ) {
    this.timeouts = { ...TIMEOUTS, ...config.timeouts };
    this.routes = defaultRoutes({ syncFrequencyMs: config.syncFrequencyMs, ...(config.maxLogFollowers ? { maxLogFollowers: config.maxLogFollowers } : {}) });
  }

  /** Where each listener is bound, once started (port 0 resolved). */
  get addresses(): NodeApiAddresses {
    return { ...this.bound };
  }

  /**
   * Reads the certificates (a bad file is a configuration error and throws) and opens the
   * listeners. A listener that cannot bind (the port is taken) is logged and retried every 5 s,
   * as the kubelet retries its healthz server: static pods must not wait on a port.
   */
  async start(): Promise<void> {
    const c = this.config;
    const pipeline: PipelineOptions = {
      table: this.routes,
      deps: this.deps,
      authn: new Authenticator(c.authentication, () => this.deps.reviewer(), this.logger),
      authz: new Authorizer(c.authorization, this.deps.nodeName, () => this.deps.reviewer(), this.logger),
      enableDebuggingHandlers: c.enableDebuggingHandlers,
      ...(this.logger ? { logger: this.logger } : {}),
    };
    const handler = (type: ServerType) => (req: IncomingMessage, res: ServerResponse) => void dispatch(pipeline, type, req, res);
    this.stopped = false;
    const opened: Array<Promise<void>> = [];
    if (c.enableServer) {
      const pair = await servingPair({ certDir: c.certDir, hostnames: c.hostnames, ...(c.tlsCertFile ? { certFile: c.tlsCertFile } : {}), ...(c.tlsPrivateKeyFile ? { keyFile: c.tlsPrivateKeyFile } : {}), ...(this.logger ? { logger: this.logger } : {}) });
      const clientCA = c.authentication.clientCAFile ? await readFile(c.authentication.clientCAFile, 'utf8') : undefined;
      if (!clientCA && !c.authentication.anonymous && !c.authentication.webhook.enabled) {
        this.logger?.warn('node API: no client CA, no token webhook and no anonymous access: every request will be refused (401)');
      }
      const base: SecureContextOptions = { ...tlsVersionAndCiphers(c.tlsMinVersion, c.tlsCipherSuites, this.logger), ...(clientCA ? { ca: clientCA } : {}) };
      const server = createHttpsServer(
        {
          ...this.serverOptions(),
          ...base,
          cert: pair.cert,
          key: pair.key,
          // Ask for a client certificate but let the handshake finish without one (token users);
          // the authenticator reads the verdict (socket.authorized) per request.
          ...(clientCA ? { requestCert: true, rejectUnauthorized: false } : {}),
        },
        handler('readwrite'),
      );
      this.secure = { server, base };
      // A source handed in before start (or a pair it already has) applies from the first handshake on.
      if (this.servingSource) this.attachServing(this.servingSource);
      // A failed handshake (a port scanner, a client that does not trust us) is not our error.
      server.on('tlsClientError', (err) => this.logger?.debug({ err: err.message }, 'node API: TLS handshake failed'));
      const fields = { certFile: pair.certFile, selfSigned: pair.selfSigned, clientCA: c.authentication.clientCAFile, authorization: c.authorization.mode, anonymous: c.authentication.anonymous };
      opened.push(this.open('readwrite', server, c.address, c.port, (a) => (this.bound.secure = a), 'node API: serving HTTPS', fields));
    }
    if (c.healthzPort > 0) {
      opened.push(this.open('healthz', createHttpServer(this.serverOptions(), handler('healthz')), c.healthzBindAddress, c.healthzPort, (a) => (this.bound.healthz = a), 'node API: serving /healthz'));
    }
    if (c.readOnlyPort > 0) {
      const msg = 'node API: the read-only port serves /pods and /healthz without authentication; set readOnlyPort to 0 to turn it off';
      opened.push(this.open('readonly', createHttpServer(this.serverOptions(), handler('readonly')), c.address, c.readOnlyPort, (a) => (this.bound.readOnly = a), msg, {}, 'warn'));
    }
    await Promise.all(opened);
  }

  /** Resolves once the listener is bound or its first attempt failed (then retried in the background). */
  private open(type: ServerType, server: Server, address: string, port: number, bound: (a: AddressInfo) => void, message: string, fields: Record<string, unknown> = {}, level: 'info' | 'warn' = 'info'): Promise<void> {
    this.configure(type, server);
    let lastError = '';
    const attempt = async (): Promise<boolean> => {
      try {
        await listenOnce(server, address, port);
      } catch (err) {
        const msg = (err as Error).message;
        if (msg !== lastError) this.logger?.error({ err: msg, address, port, type }, 'node API: cannot listen; retrying every 5 s');
        lastError = msg;
        return false;
      }
      if (this.stopped) {
        server.close();
        return true;
      }
      const a = server.address() as AddressInfo;
      bound(a);
      this.logger?.[level]({ address, port: a.port, ...fields }, message);
      return true;
    };
    return attempt().then((ok) => {
      if (ok) return;
      const retry = setInterval(() => {
        if (this.stopped) return clearInterval(retry);
        void attempt().then((done) => done && clearInterval(retry));
      }, RETRY_MS);
      retry.unref();
      this.retries.push(retry);
    });
  }

  /**
   * The serving certificates the cluster issues (serverTLSBootstrap): the current pair, if any,
   * is served from now on, and each later one as it comes. Ignored with tlsCertFile (the
   * configured pair wins; the control plane makes no source then either) and without a secure
   * listener.
   */
  useServingCertificates(source: ServingCertificateSource | undefined): void {
    if (!source || this.config.tlsCertFile || !this.config.enableServer) return;
    this.servingSource = source;
    if (this.secure) this.attachServing(source);
  }

  private attachServing(source: ServingCertificateSource): void {
    this.unsubscribe?.();
    this.unsubscribe = source.subscribe((pair) => this.swap(pair));
    const now = source.current();
    if (now) this.swap(now);
  }

  /** New handshakes get the pair; a pair the TLS layer refuses leaves the previous one in place. */
  private swap(pair: ServingPairPem): void {
    if (!this.secure) return;
    try {
      this.secure.server.setSecureContext({ ...this.secure.base, cert: pair.cert, key: pair.key });
    } catch (err) {
      this.logger?.error({ err: (err as Error).message }, 'node API: cannot use the new serving certificate; keeping the previous one');
      return;
    }
    this.servingSwaps += 1;
    let fields: Record<string, unknown> = {};
    try {
      const leaf = new X509Certificate(pair.cert);
      fields = { subject: leaf.subject.replace(/\n/g, ', '), issuer: leaf.issuer.replace(/\n/g, ', '), notAfter: new Date(leaf.validTo).toISOString() };
    } catch {
      /* the TLS layer took it: the fields are only for the log */
    }
    this.logger?.info(fields, 'node API: serving the certificate issued by the cluster');
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.stopped = true;
    this.retries.splice(0).forEach((t) => clearInterval(t));
    const all = this.servers.splice(0).filter(({ server }) => server.listening);
    await Promise.all(
      all.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Followers and kept-alive connections would otherwise hold close() open.
            server.closeAllConnections();
          }),
      ),
    );
  }

  /** Node checks the header and request deadlines only every connectionsCheckingInterval (30 s by default). */
  private serverOptions(): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
    const t = this.timeouts;
    return { headersTimeout: t.headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: t.checkIntervalMs };
  }

  private configure(type: ServerType, server: Server): void {
    // Set again as properties: older Node versions take only some of them as options.
    server.headersTimeout = this.timeouts.headersMs;
    server.requestTimeout = this.timeouts.requestMs;
    server.keepAliveTimeout = this.timeouts.keepAliveMs;
    server.maxConnections = MAX_CONNECTIONS;
    server.setTimeout(this.timeouts.socketIdleMs, (socket) => socket.destroy());
    // Malformed requests, oversized headers (431) and the timeouts (408) get Node's own answers.
    // Errors after binding (EMFILE on accept) are logged; bind errors are the retry loop's.
    server.on('error', (err) => server.listening && this.logger?.error({ err: err.message, type }, 'node API listener error'));
    this.servers.push({ type, server });
  }
}
