/**
 * The route table and the request pipeline in the kubelet's order: authentication and
 * authorization first (on the secure listener, for every path, known or not), then the route,
 * the debugging switch, the method, and the handler. Registering a route group is one `add`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logging/logger.js';
import type { Authenticator } from './authn.js';
import type { Authorizer } from './authz.js';
import { RequestError, sendText } from './http.js';
import type { NodeApiDeps, Route, RouteContext, ServerType, UserInfo } from './types.js';

/** Request bodies: no route reads one beyond a few bytes; this bounds what a client can push. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Longest request target accepted (path and query). */
export const MAX_URL_LENGTH = 8 * 1024;

export class RouteTable {
  private readonly routes = new Map<string, Route>();

  add(route: Route): this {
    if (this.routes.has(route.prefix)) throw new Error(`node API: route /${route.prefix} registered twice`);
    this.routes.set(route.prefix, route);
    return this;
  }

  /** The route for a path's segments on a listener; undefined is a 404. */
  match(segments: readonly string[], server: ServerType): Route | undefined {
    const route = this.routes.get(segments[0] ?? '');
    if (!route) return undefined;
    if (server === 'readonly' && !route.readOnly) return undefined;
    if (server === 'healthz' && !route.healthz) return undefined;
    if (!route.subpaths && segments.length > 1) return undefined;
    return route;
  }

  get prefixes(): string[] {
    return [...this.routes.keys()];
  }
}

export interface PipelineOptions {
  table: RouteTable;
  deps: NodeApiDeps;
  authn: Authenticator;
  authz: Authorizer;
  enableDebuggingHandlers: boolean;
  logger?: Logger;
}

/**
 * The path's segments, percent-decoded, from the raw request target: WHATWG URL parsing would
 * resolve `..` (and `%2e%2e`) before any check could see it, so the raw form is split here and
 * dot segments, encoded slashes and NULs are refused outright.
 */
export function splitTarget(target: string): { segments: string[]; pathname: string; query: URLSearchParams } {
  if (target.length > MAX_URL_LENGTH) throw new RequestError(400, `request target longer than ${MAX_URL_LENGTH} bytes`);
  if (!target.startsWith('/')) throw new RequestError(400, 'request target must be a path');
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const segments: string[] = [];
  const raw = pathname.split('/').slice(1);
  raw.forEach((s, i) => {
    // A trailing slash (`/runningpods/`) adds an empty last segment; empty ones inside are refused below.
    if (s === '' && i === raw.length - 1) return;
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new RequestError(400, 'malformed percent-encoding in the path');
    }
    if (d === '' || d === '.' || d === '..' || d.includes('/') || d.includes('\0')) throw new RequestError(400, `invalid path segment "${s.slice(0, 64)}"`);
    segments.push(d);
  });
  return { segments, pathname, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}

export async function dispatch(o: PipelineOptions, server: ServerType, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborter = new AbortController();
  res.once('close', () => aborter.abort());
  const method = (req.method ?? 'GET').toUpperCase();
  const started = process.hrtime.bigint();
  // kubelet_http_requests_*: labelled by the route's root, never the raw path (bounded cardinality).
  if (o.deps.observeHttpRequest && server !== 'healthz') {
    res.once('finish', () => {
      const root = (req.url ?? '/').split(/[/?]/)[1] ?? '';
      const route = o.table.prefixes.includes(root) ? root : '';
      o.deps.observeHttpRequest!({
        method,
        path: route,
        serverType: server === 'readonly' ? 'readonly' : 'readwrite',
        longRunning: /[?&]follow=(true|1)\b/.test(req.url ?? ''),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    });
  }
  try {
    const target = splitTarget(req.url ?? '/');
    let user: UserInfo | undefined;
    if (server === 'readwrite') {
      user = await o.authn.authenticate(req);
      if (!user) return sendText(res, 401, 'Unauthorized');
      const decision = await o.authz.authorize(user, method, target.pathname);
      if (!decision.allowed) return sendText(res, decision.status, decision.message);
    }
    const route = o.table.match(target.segments, server);
    if (!route) return sendText(res, 404, '404 page not found\n');
    if (route.debugging && !o.enableDebuggingHandlers) return sendText(res, 405, 'Debug endpoints are disabled.');
    const allowed = route.methods.includes('GET') && !route.methods.includes('HEAD') ? [...route.methods, 'HEAD'] : route.methods;
    if (!allowed.includes(method)) return sendText(res, 405, 'Method Not Allowed', { allow: route.methods.join(', ') });
    if (!(await bodyWithinLimit(req))) return sendText(res, 413, `request body larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
    const ctx: RouteContext = {
      req,
      res,
      url: new URL(`http://node${target.pathname}?${target.query.toString()}`),
      params: target.segments.slice(1),
      deps: o.deps,
      server,
      signal: aborter.signal,
      ...(user ? { user } : {}),
    };
    await route.handle(ctx);
  } catch (err) {
    if (err instanceof RequestError) return sendText(res, err.status, `${err.message}\n`);
    o.logger?.error({ err: (err as Error).message, method, url: req.url?.slice(0, 256) }, 'node API request failed');
    sendText(res, 500, `Internal Error: ${(err as Error).message}\n`);
  }
}

/** Reads and drops the body (none of the routes use one), stopping at the limit. */
function bodyWithinLimit(req: IncomingMessage): Promise<boolean> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.resolve(false);
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const done = (ok: boolean): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onEnd);
      resolve(ok);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_BODY_BYTES) done(false);
    };
    const onEnd = (): void => done(true);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onEnd);
  });
}
