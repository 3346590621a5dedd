/**
 * The few API calls the node makes (register, read and patch its Node; get, create and renew its
 * Lease), over node:https with the kubeconfig's TLS and credentials. @kubernetes/client-node
 * costs some 70 MB of RSS once loaded (its generated models and auth plug-ins); these requests
 * need none of it. Errors carry `code` (the HTTP status) and `body` as client-node's do, so
 * statusCode()/errorText() read both.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { NodeJson } from '../node/node-object.js';
import { TokenBucket } from './rate-limit.js';
import { userAgent } from './version.js';

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/** A failed call: `code` is the HTTP status (0 when the server did not answer). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly body?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The kubeconfig's current context, resolved: server, TLS material and credentials. */
export interface Credentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
}

type Named<T> = Array<{ name: string } & T>;
interface KubeconfigDoc {
  clusters?: Named<{ cluster?: Record<string, unknown> }>;
  users?: Named<{ user?: Record<string, unknown> }>;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>;
  'current-context'?: string;
}

/** Reads a kubeconfig as client-go does for these fields: files relative to the kubeconfig, *-data base64. */
export function readKubeconfig(path: string): Credentials {
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigDoc;
  const ctxName = doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context ?? (doc.contexts?.length === 1 ? doc.contexts[0]!.context : undefined);
  const cluster = (ctx?.cluster ? doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster : doc.clusters?.[0]?.cluster) ?? undefined;
  if (!cluster || typeof cluster['server'] !== 'string') throw new Error(`${path}: no current cluster`);
  const user = (ctx?.user ? doc.users?.find((u) => u.name === ctx.user)?.user : undefined) ?? {};
  const base = dirname(path);
  const material = (from: Record<string, unknown>, key: string): Buffer | undefined => {
    const data = from[`${key}-data`];
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    const file = from[key];
    if (typeof file === 'string' && file !== '') return readFileSync(isAbsolute(file) ? file : resolve(base, file));
    return undefined;
  };
  const tokenFile = user['tokenFile'] ?? user['token-file'];
  const token = typeof user['token'] === 'string' ? user['token'] : typeof tokenFile === 'string' ? readFileSync(resolve(base, tokenFile), 'utf8').trim() : undefined;
  const ca = material(cluster, 'certificate-authority');
  const cert = material(user, 'client-certificate');
  const key = material(user, 'client-key');
  return {
    server: cluster['server'].replace(/\/+$/, ''),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token } : {}),
  };
}

export interface TransportOptions {
  timeoutMs: number;
  limiter?: TokenBucket;
}

/** One connection pool per client set; JSON in and out. */
export class Transport {
  private readonly agent: Agent;
  private readonly ua = userAgent();

  constructor(
    private readonly creds: Credentials,
    private readonly o: TransportOptions,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 4, ...(creds.ca ? { ca: creds.ca } : {}), ...(creds.cert ? { cert: creds.cert } : {}), ...(creds.key ? { key: creds.key } : {}), rejectUnauthorized: !creds.insecure });
  }

  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    if (this.o.limiter) await this.o.limiter.take();
    const url = new URL(this.creds.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((done, fail) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            'user-agent': this.ua,
            ...(this.creds.token ? { authorization: `Bearer ${this.creds.token}` } : {}),
            ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
          },
          signal: AbortSignal.timeout(this.o.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => fail(new ApiError(`request to ${url.href} failed, reason: ${err.message}`, 0)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              try {
                done((text ? JSON.parse(text) : undefined) as T);
              } catch (err) {
                fail(new ApiError(`${method} ${url.pathname}: bad JSON in the answer: ${(err as Error).message}`, 0));
              }
            } else fail(new ApiError(`HTTP-Code: ${code} ${method} ${url.pathname}`, code, text));
          });
        },
      );
      req.on('error', (err) => fail(new ApiError(`request to ${url.href} failed, reason: ${err.message}`, 0)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const enc = encodeURIComponent;

/** The Node calls, named and shaped as client-node's CoreV1Api methods the code used before. */
export interface CoreApi {
  createNode(p: { body: NodeJson }): Promise<unknown>;
  readNode(p: { name: string }): Promise<NodeJson>;
  /** A strategic merge patch of nodes/<name>/status. */
  patchNodeStatus(p: { name: string; body: object }): Promise<unknown>;
}

export interface Lease {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }>; [k: string]: unknown };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface CoordinationApi {
  readNamespacedLease(p: { name: string; namespace: string }): Promise<Lease>;
  createNamespacedLease(p: { namespace: string; body: Lease }): Promise<Lease>;
  replaceNamespacedLease(p: { name: string; namespace: string; body: Lease }): Promise<Lease>;
}

export function coreApi(t: Transport): CoreApi {
  return {
    createNode: ({ body }) => t.call('POST', '/api/v1/nodes', body),
    readNode: ({ name }) => t.call('GET', `/api/v1/nodes/${enc(name)}`),
    patchNodeStatus: ({ name, body }) => t.call('PATCH', `/api/v1/nodes/${enc(name)}/status`, body, STRATEGIC_MERGE_PATCH),
  };
}

export function coordinationApi(t: Transport): CoordinationApi {
  const leases = (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${enc(ns)}/leases`;
  return {
    readNamespacedLease: ({ name, namespace }) => t.call('GET', `${leases(namespace)}/${enc(name)}`),
    createNamespacedLease: ({ namespace, body }) => t.call('POST', leases(namespace), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...body }),
    replaceNamespacedLease: ({ name, namespace, body }) => t.call('PUT', `${leases(namespace)}/${enc(name)}`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...body }),
  };
}

/** MicroTime on the wire: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface NodeClients {
  server: string;
  /** Registration: rate-limited by kubeAPIQPS / kubeAPIBurst. */
  core: CoreApi;
  /** Lease and node status: unthrottled, with a deadline per request. */
  heartbeatCore: CoreApi;
  heartbeatCoordination: CoordinationApi;
  close(): void;
}

export interface NodeClientOptions {
  kubeconfig: string;
  qps: number;
  burst: number;
  heartbeatTimeoutMs: number;
  timeoutMs?: number;
}

/** Two client sets, as the kubelet has: the main one rate-limited, the heartbeat one never throttled. */
export function nodeClients(o: NodeClientOptions): NodeClients {
  const creds = readKubeconfig(o.kubeconfig);
  const main = new Transport(creds, { timeoutMs: o.timeoutMs ?? 60_000, limiter: new TokenBucket(o.qps, o.burst) });
  const heartbeat = new Transport(creds, { timeoutMs: o.heartbeatTimeoutMs });
  return {
    server: creds.server,
    core: coreApi(main),
    heartbeatCore: coreApi(heartbeat),
    heartbeatCoordination: coordinationApi(heartbeat),
    close: () => {
      main.close();
      heartbeat.close();
    },
  };
}

/** HTTP status of a failed API call (0 when the server did not answer). */
export function statusCode(err: unknown): number {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : 0;
}

/** `<code>: <Status message>` when the server answered with a Status, else the error's message. */
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
