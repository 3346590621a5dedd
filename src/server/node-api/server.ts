/**
 * The node API's listeners: HTTPS on address:port (authenticated, authorized), plain HTTP
 * /healthz on healthzBindAddress:healthzPort (ping only, as the kubelet's), and, only when
 * readOnlyPort is set, the unauthenticated read-only subset on address:readOnlyPort.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
      const server = createHttpsServer(
        {
          ...this.serverOptions(),
          cert: pair.cert,
          key: pair.key,
          ...tlsVersionAndCiphers(c.tlsMinVersion, c.tlsCipherSuites, this.logger),
          // Ask for a client certificate but let the handshake finish without one (token users);
          // the authenticator reads the verdict (socket.authorized) per request.
          ...(clientCA ? { ca: clientCA, requestCert: true, rejectUnauthorized: false } : {}),
        },
        handler('readwrite'),
      );
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

  async stop(): Promise<void> {
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
