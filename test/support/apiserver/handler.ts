// The HTTP side of resource requests: verbs to registry calls, list pagination and selectors,
// watch streams, Table output for kubectl, and DeleteOptions from body or query.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Registry, DeleteOptions } from './registry.js';
import type { ResourceRequest } from './request-info.js';
import { apiVersionOf, storageKey, type ResourceDef } from './resources.js';
import { ApiError, badRequest, methodNotAllowed, resourceNotFound, statusBody, unsupportedMediaType } from './status.js';
import type { Store, WatchEvent } from './storage.js';
import { asTable, DEFAULT_PRINTER, PRINTERS } from './tables.js';
import { isObject, type Json, type JsonObject, type KubeObject, type UserInfo } from './types.js';

export interface HandlerContext {
  registry: Registry;
  store: Store;
  user: UserInfo;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs: number;
  /** Lets the server end open watches when it stops or goes down. */
  onWatch(end: () => void): () => void;
}

const TABLE_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  sendJson(res, e.status.code, e.status, 'application/json', e.headers);
}

function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(',').some((a) => /as=Table/.test(a) && /g=meta\.k8s\.io/.test(a) && /v=v1(\b|;|$)/.test(a.replace(/\s/g, '')));
}

/** JSON is the one encoding served; a client that accepts only protobuf or YAML is refused. */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((a) => {
    const t = a.split(';')[0]!.trim();
    return t === 'application/json' || t === '*/*' || t === 'application/*';
  });
}

function parseBody(body: string, contentType: string | undefined): KubeObject {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim();
  if (type !== 'application/json' && type !== '') throw unsupportedMediaType(type, ['application/json']);
  try {
    const v = JSON.parse(body) as Json;
    if (!isObject(v)) throw new Error('expected an object');
    if (!isObject(v['metadata'])) v['metadata'] = {};
    return v as unknown as KubeObject;
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${v}`);
  return Number(v);
}

function deleteOptions(body: string, q: URLSearchParams): DeleteOptions {
  let o: DeleteOptions = {};
  if (body.trim()) {
    try {
      const v = JSON.parse(body) as Json;
      if (isObject(v)) o = v as unknown as DeleteOptions;
    } catch (e) {
      throw badRequest(`couldn't decode DeleteOptions: ${(e as Error).message}`);
    }
  }
  const grace = intParam(q, 'gracePeriodSeconds');
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  const pp = q.get('propagationPolicy');
  if (pp) o.propagationPolicy = pp;
  return o;
}

function isDryRun(q: URLSearchParams, o?: DeleteOptions): boolean {
  return q.getAll('dryRun').includes('All') || !!o?.dryRun?.includes('All');
}

interface Filter {
  matches(o: KubeObject): boolean;
}

function filterFrom(def: ResourceDef, q: URLSearchParams, name: string): Filter {
  const labels = parseLabelSelector(q.get('labelSelector'));
  const supported = Object.keys(def.fieldSet({ metadata: {} }));
  const fields = parseFieldSelector(q.get('fieldSelector'), supported);
  if (name) fields.push({ field: 'metadata.name', op: 'eq', value: name });
  return { matches: (o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, def.fieldSet(o)) };
}

function listOf(def: ResourceDef, items: KubeObject[], meta: JsonObject): JsonObject {
  // List items carry no apiVersion/kind of their own in the server's JSON.
  const bare = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest as unknown as JsonObject);
  return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta, items: bare };
}

const objectKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name!}`;

function list(def: ResourceDef, info: ResourceRequest, q: URLSearchParams, ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const filter = filterFrom(def, q, '');
  let items = ctx.registry.list(def, info.namespace).filter((o) => filter.matches(o));
  const rv = String(ctx.store.resourceVersion);
  const meta: JsonObject = { resourceVersion: rv };
  const cont = q.get('continue');
  if (cont) {
    let start: string;
    try {
      start = (JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { start: string }).start;
      if (typeof start !== 'string') throw new Error('no start key');
    } catch {
      throw badRequest(`continue key is not valid: ${cont}`);
    }
    items = items.filter((o) => objectKey(o) > start);
  }
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit > 0 && items.length > limit) {
    meta['continue'] = Buffer.from(JSON.stringify({ start: objectKey(items[limit - 1]!) })).toString('base64url');
    meta['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
  }
  if (wantsTable(req.headers.accept)) {
    sendJson(res, 200, asTable(PRINTERS[def.resource] ?? DEFAULT_PRINTER, items, q.get('includeObject') ?? 'Metadata', meta), TABLE_TYPE);
    return;
  }
  sendJson(res, 200, listOf(def, items, meta));
}

function watch(def: ResourceDef, info: ResourceRequest, q: URLSearchParams, ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  const filter = filterFrom(def, q, info.name);
  const rvParam = q.get('resourceVersion') ?? '';
  if (rvParam !== '' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${rvParam}`);
  const initial = q.get('sendInitialEvents') === 'true';
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const timeout = intParam(q, 'timeoutSeconds');
  // An empty or "0" resourceVersion means: start with the current state as ADDED events.
  const fromRV = initial || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  // Clients wait for the headers before they read events; a quiet watch must still send them.
  res.flushHeaders();
  const write = (e: { type: string; object: unknown }) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(e)}\n`);
  };
  const bookmark = (annotations?: Record<string, string>) =>
    write({ type: 'BOOKMARK', object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(ctx.store.resourceVersion), ...(annotations ? { annotations } : {}) } } });
  let stop: () => void = () => {};
  try {
    stop = ctx.store.watch(storageKey(def), {
      ...(fromRV !== undefined ? { fromRV } : {}),
      ...(def.namespaced && info.namespace ? { namespace: info.namespace } : {}),
      matches: (o) => filter.matches(o),
      send: (e: WatchEvent) => write(e),
    });
  } catch (e) {
    // A resourceVersion outside the window ends the stream with one ERROR event carrying 410 Expired.
    if (!(e instanceof ApiError)) throw e;
    write({ type: 'ERROR', object: e.status });
    res.end();
    return;
  }
  if (initial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) timers.push(setInterval(() => bookmark(), ctx.bookmarkIntervalMs));
  let untrack: () => void = () => {};
  const end = () => {
    stop();
    untrack();
    for (const t of timers) clearInterval(t);
    if (!res.writableEnded) res.end();
  };
  if (timeout !== undefined && timeout > 0) timers.push(setTimeout(end, timeout * 1000));
  untrack = ctx.onWatch(end);
  req.on('close', end);
  res.on('close', end);
}

export function serveResource(def: ResourceDef, info: ResourceRequest, q: URLSearchParams, body: string, ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
  if (!acceptsJson(req.headers.accept)) {
    sendJson(res, 406, statusBody(406, 'NotAcceptable', `only the following media types are accepted: application/json, ${TABLE_TYPE}`));
    return;
  }
  if (info.subresource && !def.subresources.includes(info.subresource)) throw resourceNotFound();
  const ns = def.namespaced ? info.namespace : '';
  // A namespaced resource outside a namespace has only the cluster-wide list and watch paths.
  if (def.namespaced && !ns && info.name) throw resourceNotFound();
  const dry = isDryRun(q);
  switch (info.verb) {
    case 'get': {
      const o = ctx.registry.get(def, ns, info.name);
      if (wantsTable(req.headers.accept)) sendJson(res, 200, asTable(PRINTERS[def.resource] ?? DEFAULT_PRINTER, [o], q.get('includeObject') ?? 'Metadata', { resourceVersion: o.metadata.resourceVersion! }), TABLE_TYPE);
      else sendJson(res, 200, o);
      return;
    }
    case 'list':
      return list(def, { ...info, namespace: ns }, q, ctx, req, res);
    case 'watch':
      return watch(def, { ...info, namespace: ns }, q, ctx, req, res);
    case 'create':
      if (info.name || info.subresource || (def.namespaced && !ns)) throw methodNotAllowed('create');
      sendJson(res, 201, ctx.registry.create(def, ns, parseBody(body, req.headers['content-type']), ctx.user, { dryRun: dry }));
      return;
    case 'update':
      sendJson(res, 200, ctx.registry.update(def, ns, info.name, info.subresource, parseBody(body, req.headers['content-type']), { dryRun: dry }));
      return;
    case 'patch':
      sendJson(res, 200, ctx.registry.patch(def, ns, info.name, info.subresource, req.headers['content-type'] ?? '', body, { dryRun: dry }));
      return;
    case 'delete': {
      if (info.subresource) throw methodNotAllowed('delete');
      const opts = deleteOptions(body, q);
      sendJson(res, 200, ctx.registry.delete(def, ns, info.name, opts, { dryRun: isDryRun(q, opts) }).object);
      return;
    }
    case 'deletecollection': {
      const opts = deleteOptions(body, q);
      const filter = filterFrom(def, q, '');
      const done = ctx.registry
        .list(def, ns)
        .filter((o) => filter.matches(o))
        .map((o) => ctx.registry.delete(def, o.metadata.namespace ?? '', o.metadata.name!, opts, { dryRun: isDryRun(q, opts) }).object);
      sendJson(res, 200, listOf(def, done, { resourceVersion: String(ctx.store.resourceVersion) }));
      return;
    }
    default:
      throw methodNotAllowed(info.verb);
  }
}
