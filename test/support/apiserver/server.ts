// The emulator's HTTPS server: TLS with a per-run CA, authentication, authorization, routing of
// discovery and resource paths, a log of every request, and injected faults (down, a status code,
// latency). State lives in the store, so a server taken down and brought back keeps its objects.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowAll, authenticate, forbiddenReason, type Attributes, type Authorizer, type BootstrapToken, type TokenUser } from './auth.js';
import { CsrController, type CsrOptions } from './csr.js';
import { discoveryDocument, resourceList } from './discovery.js';
import type { OpenApiOptions } from './openapi.js';
import { sendError, sendJson, serveResource } from './handler.js';
import { writeKubeconfig } from './kubeconfig.js';
import { createPki, type Pki } from './pki.js';
import { Registry } from './registry.js';
import { nodeRestriction } from './node-restriction.js';
import { isReview, serveReview, type ReviewOptions } from './reviews.js';
import { parseResourcePath } from './request-info.js';
import { findResource, resolveResource, RESOURCES, storageKey } from './resources.js';
import { ApiError, faultStatus, forbidden, resourceNotFound, statusBody, unauthorized } from './status.js';
import { Store } from './storage.js';
import type { JsonObject, KubeObject, UserInfo } from './types.js';

export interface ApiServerOptions {
  /** Bearer token → user. */
  tokens?: Record<string, TokenUser>;
  /** Bootstrap tokens (`abcdef.0123456789abcdef`) → their Secret's auth fields. */
  bootstrapTokens?: Record<string, BootstrapToken>;
  /**
   * Runs the CSR approver and kubelet-client signer beside the server (absent: no controller
   * acts on CSRs, as with no kube-controller-manager). Defaults: auto-approve, 1 year, 5 min backdate.
   */
  csr?: CsrOptions;
  /** Decides every authenticated request; the default allows all. */
  authorize?: Authorizer;
  /** TokenReview / SubjectAccessReview decisions (reviews.ts); defaults: the token table, allow all. */
  reviews?: ReviewOptions;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where certificates and kubeconfigs go; a fresh temporary directory (removed by stop) if unset. */
  dir?: string;
  /** Changes kept per resource for watches to resume from (the watch window). */
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  /** The gitVersion /version reports. */
  version?: string;
  /** The NodeRestriction admission plugin for node credentials (node-restriction.ts); on by default, as in kubeadm clusters. */
  nodeRestriction?: boolean;
  /** The OpenAPI v3 documents: served or not, with the Pod schemas or not, fields removed from them. */
  openapi?: OpenApiOptions;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Authenticated user name; undefined for a request that failed authentication. */
  user?: string;
  groups?: string[];
  /** HTTP status; 0 while a request has not answered yet. */
  status: number;
  /** Start of the request, ms since the epoch. */
  time: number;
  durationMs: number;
  verb?: string;
  contentType?: string;
  userAgent?: string;
  /** A TokenReview's or SubjectAccessReview's spec (the token redacted). */
  review?: JsonObject;
}

export interface Fault {
  /** Connections refused: the listener closes (open connections and watches are cut); state is kept. */
  down?: boolean;
  /** Answer matching requests with this status (500, 503, 429 ...) and a Status body. */
  status?: number;
  retryAfterSeconds?: number;
  /** Delay before matching requests are handled. */
  latencyMs?: number;
  /** Only requests with this method and/or path (string: exact path; RegExp: tested on the path). */
  match?: { method?: string; path?: string | RegExp };
  /** Only the next n matching requests; unlimited if unset. */
  times?: number;
}

export type Who = string | { token: string } | { user: string; groups?: string[] };

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly caFile: string;
  readonly dir: string;
  readonly pki: Pki;
  readonly requests: RequestRecord[];
  /** Writes a kubeconfig for a user (its token when the table has one, else a client certificate). */
  kubeconfig(who: Who): Promise<string>;
  /** Sets (or with null clears) the active fault; resolves once a down/up change is in effect. */
  fault(f: Fault | null): Promise<void>;
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(kind: string, namespace?: string): KubeObject[];
  /** Every stored object. */
  readonly objects: KubeObject[];
  /** Creates an object as a cluster admin, through the same rules as POST. */
  create(o: KubeObject): KubeObject;
  /**
   * Admission refusing every mirror pod create (annotation kubernetes.io/config.mirror) with 403
   * and this reason, as a webhook or NodeRestriction would; null lets them through again.
   */
  denyMirrorPods(reason: string | null): void;
  /** Drops the watch history: watches from any earlier resourceVersion get 410 Expired. */
  compact(): void;
  readonly resourceVersion: number;
  /** The CSR approver/signer (running with the `csr` option): approval mode, signing duration and backdate can change at any time. */
  readonly csr: CsrController;
  stop(): Promise<void>;
}

const ADMIN: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
const MAX_BODY = 3 * 1024 * 1024;
const SEED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(statusBody(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function matches(f: Fault, method: string, path: string): boolean {
  if (f.match?.method && f.match.method.toUpperCase() !== method) return false;
  const p = f.match?.path;
  if (p === undefined) return true;
  return typeof p === 'string' ? p === path : p.test(path);
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const ownDir = !options.dir;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'stl-apiserver-')));
  const host = '127.0.0.1';
  const pki = await createPki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
  const tokens = options.tokens ?? {};
  const authorize = options.authorize ?? allowAll;
  const store = new Store(options.historyLimit ?? 500);
  const registry = new Registry(store);
  const gitVersion = options.version ?? 'v1.36.0';
  const [, major = '1', minor = '36'] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  const watches = new Set<() => void>();
  let fault: Fault | null = null;
  let mirrorDenial: string | null = null;
  let port = options.port ?? 0;
  let listening = false;

  for (const ns of SEED_NAMESPACES) registry.create(resolveResource('namespaces'), '', { metadata: { name: ns } }, ADMIN);
  const csrDef = resolveResource('certificatesigningrequests');
  const csr = new CsrController(store, registry, csrDef, pki, options.csr);
  const stopCsr = options.csr ? csr.start(storageKey(csrDef)) : () => {};

  async function handle(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    const url = new URL(req.url ?? '/', `https://${host}`);
    const path = url.pathname;
    const active = fault && matches(fault, record.method, path) ? fault : null;
    if (active) {
      if (active.times !== undefined && --active.times <= 0) fault = null;
      if (active.latencyMs) await new Promise((r) => setTimeout(r, active.latencyMs));
    }
    const body = await readBody(req);
    const user = authenticate(req, tokens, options.bootstrapTokens);
    if (!user) throw unauthorized();
    record.user = user.username;
    record.groups = user.groups;
    if (active?.status) throw faultStatus(active.status, active.retryAfterSeconds);

    const info = parseResourcePath(record.method, path, url.searchParams);
    const attrs: Attributes = info
      ? { user, resourceRequest: true, path, verb: info.verb, apiGroup: info.group, apiVersion: info.version, resource: info.resource, subresource: info.subresource, namespace: info.namespace, name: info.name }
      : { user, resourceRequest: false, path, verb: record.method.toLowerCase(), apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
    record.verb = attrs.verb;
    const decision = authorize(attrs);
    if (!decision.allowed) throw forbidden(info ? { group: info.group, resource: info.resource } : undefined, info?.name ?? '', forbiddenReason(attrs, decision.reason));

    if (info && options.nodeRestriction !== false) {
      let created: KubeObject | undefined;
      if (info.verb === 'create') {
        try {
          const parsed = JSON.parse(body) as KubeObject;
          created = parsed && typeof parsed === 'object' && parsed.metadata ? parsed : undefined;
        } catch {
          /* the create itself reports the bad body */
        }
      }
      const lookup = {
        get: (resource: 'pods' | 'nodes', namespace: string, name: string) => store.get(storageKey(resolveResource(resource)), resource === 'pods' ? namespace : undefined, name),
      };
      const refused = nodeRestriction(info, user, created, lookup);
      if (refused) throw forbidden({ group: info.group, resource: info.resource }, info.name || (created?.metadata.name ?? ''), refused);
    }
    if (info && mirrorDenial !== null && info.group === '' && info.resource === 'pods' && info.verb === 'create' && !info.subresource) {
      let meta: { name?: string; annotations?: Record<string, string> } = {};
      try {
        meta = ((JSON.parse(body) as { metadata?: typeof meta }).metadata ?? {});
      } catch {
        /* the create itself reports the bad body */
      }
      if (meta.annotations?.['kubernetes.io/config.mirror'] !== undefined) throw forbidden({ group: '', resource: 'pods' }, meta.name ?? '', mirrorDenial);
    }
    if (info && isReview(info)) {
      record.review = serveReview(info, body, options.reviews ?? {}, tokens, req, res);
      return;
    }
    if (info) {
      const def = findResource(info.group, info.version, info.resource);
      if (!def) {
        if (!resourceList(info.group, info.version)) return notFoundPage(res);
        throw resourceNotFound();
      }
      serveResource(def, info, url.searchParams, body, {
        registry,
        store,
        user,
        bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
        onWatch(end) {
          watches.add(end);
          return () => watches.delete(end);
        },
      }, req, res);
      return;
    }
    if (record.method !== 'GET') throw new ApiError(statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    if (['healthz', 'livez', 'readyz'].includes(path.split('/')[1] ?? '')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('ok');
      return;
    }
    const doc = discoveryDocument(path, req.headers.accept, `${host}:${port}`, { major, minor, gitVersion }, options.openapi);
    if (doc) return sendJson(res, 200, doc.body, doc.contentType);
    return notFoundPage(res);
  }

  /** Paths outside every API group get the Go mux's plain-text 404, as the real server's do. */
  function notFoundPage(res: ServerResponse): void {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('404 page not found\n');
  }

  const server: Server = createServer(
    { key: pki.server.keyPem, cert: pki.server.certPem, ca: [pki.caPem], requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const url = new URL(req.url ?? '/', `https://${host}`);
      const record: RequestRecord = {
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        status: 0,
        time: Date.now(),
        durationMs: 0,
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      };
      requests.push(record);
      const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
      res.writeHead = ((...args: unknown[]) => {
        record.status = args[0] as number;
        return writeHead(...args);
      }) as typeof res.writeHead;
      res.on('close', () => (record.durationMs = Date.now() - record.time));
      handle(req, res, record).catch((e: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (e instanceof ApiError) sendError(res, e);
        else sendError(res, new ApiError(statusBody(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`, { causes: [{ message: String(e) }] })));
      });
    },
  );
  // Watches stay open far longer than Node's default request and keep-alive timeouts.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});

  async function listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') port = addr.port;
    listening = true;
  }

  async function close(): Promise<void> {
    if (!listening) return;
    listening = false;
    for (const end of [...watches]) end();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  }

  await listen();
  const url = `https://${host}:${port}`;
  let kubeconfigs = 0;

  return {
    url,
    get port() {
      return port;
    },
    caFile: pki.caFile,
    dir,
    pki,
    requests,
    async kubeconfig(who) {
      const file = join(dir, `kubeconfig-${++kubeconfigs}`);
      if (typeof who === 'object' && 'token' in who) return writeKubeconfig(file, url, pki.caFile, 'token-user', { token: who.token });
      const user = typeof who === 'string' ? who : who.user;
      const token = typeof who === 'string' ? Object.entries(tokens).find(([, t]) => t.user === user)?.[0] : undefined;
      if (token) return writeKubeconfig(file, url, pki.caFile, user, { token });
      const cert = await pki.issueClient(user, typeof who === 'object' ? (who.groups ?? []) : []);
      return writeKubeconfig(file, url, pki.caFile, user, { certFile: cert.certFile, keyFile: cert.keyFile });
    },
    async fault(f) {
      fault = f && !f.down ? { ...f } : null;
      if (f?.down) await close();
      else if (!listening) await listen();
    },
    get: (kind, namespace, name) => {
      const d = resolveResource(kind);
      return store.get(storageKey(d), d.namespaced ? namespace : undefined, name);
    },
    list: (kind, namespace) => {
      const d = resolveResource(kind);
      return store.list(storageKey(d), d.namespaced ? namespace : undefined);
    },
    get objects() {
      return RESOURCES.flatMap((d) => store.list(storageKey(d)));
    },
    create(o) {
      const d = RESOURCES.find((r) => r.kind === o.kind) ?? resolveResource(o.kind ?? '');
      return registry.create(d, o.metadata.namespace ?? (d.namespaced ? 'default' : ''), o, ADMIN);
    },
    compact: () => store.compact(),
    denyMirrorPods: (reason) => (mirrorDenial = reason),
    get resourceVersion() {
      return store.resourceVersion;
    },
    csr,
    async stop() {
      stopCsr();
      await close();
      store.dropWatchers();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
