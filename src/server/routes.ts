import type { StatusProvider } from './types.js';

/** A fully rendered answer; kept transport-free so routing is testable without sockets. */
export interface StatusResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The API server's failure body, so clients written for Kubernetes read our errors too. */
export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  reason: string;
  message: string;
  code: number;
}

const JSON_TYPE = 'application/json';

export function apiStatus(code: number, reason: string, message: string): ApiStatus {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code };
}

function json(status: number, value: unknown, extra: Record<string, string> = {}): StatusResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...extra }, body: `${JSON.stringify(value)}\n` };
}

function failure(code: number, reason: string, message: string, extra?: Record<string, string>): StatusResponse {
  return json(code, apiStatus(code, reason, message), extra);
}

function notFound(message: string): StatusResponse {
  return failure(404, 'NotFound', message);
}

/** Path segments, percent-decoded; undefined when the encoding is malformed. */
function segments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** As routeStatusRequest, with `/node` answered by the provider's full (async) node description. */
export async function routeStatusRequestAsync(provider: StatusProvider, method: string, rawUrl: string): Promise<StatusResponse> {
  const url = new URL(rawUrl, 'http://staticlet.local');
  const path = url.pathname.replace(/\/+$/, '');
  if (method === 'GET' && provider.describeNode && path === '/node') {
    const described = await provider.describeNode();
    if (described) return json(200, described);
  }
  if (method === 'GET' && path === '/stats/summary') {
    // The kubelet's query parameter: anything but "true" is the full summary.
    const only = url.searchParams.get('only_cpu_and_memory') === 'true';
    const summary = await provider.summary?.({ onlyCpuAndMemory: only });
    return summary ? json(200, summary) : failure(503, 'ServiceUnavailable', 'stats are not available yet: the container runtime has not answered');
  }
  return routeStatusRequest(provider, method, rawUrl);
}

/**
 * Routes one request. Provider errors propagate: the transport turns them into a 500 and logs
 * them, since only it has the logger.
 */
export function routeStatusRequest(provider: StatusProvider, method: string, rawUrl: string): StatusResponse {
  if (method !== 'GET') return failure(405, 'MethodNotAllowed', `method ${method} is not allowed; the status socket is read-only`, { allow: 'GET' });
  const url = new URL(rawUrl, 'http://staticlet.local');
  const parts = segments(url.pathname);
  if (!parts) return failure(400, 'BadRequest', `malformed path ${url.pathname}`);
  const [root, namespace, name, sub, ...rest] = parts;
  if (root === 'healthz' && parts.length === 1) {
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
  }
  if (root === 'rejections' && parts.length === 1) return json(200, { items: provider.rejections(), ignored: provider.ignoredManifests?.() ?? [] });
  if (root === 'plan-basis' && parts.length === 1) {
    const basis = provider.planBasis?.();
    return basis ? json(200, basis) : notFound('this staticlet cannot serve a plan basis');
  }
  if (root === 'node' && parts.length === 1) {
    const node = provider.node?.();
    return node ? json(200, node) : failure(503, 'ServiceUnavailable', 'node resources are not known yet: the container runtime has not answered');
  }
  if (root !== 'pods' || rest.length > 0) return notFound(`the server could not find the requested resource ${url.pathname}`);
  if (namespace === undefined) return json(200, { apiVersion: 'v1', kind: 'PodList', items: provider.listPods() });
  if (name === undefined) return notFound(`the server could not find the requested resource ${url.pathname}`);
  const pod = provider.getPod(namespace, name);
  if (!pod) return notFound(`pods "${name}" not found in namespace "${namespace}"`);
  if (sub === undefined) return json(200, pod);
  if (sub === 'log-directory') {
    const directory = provider.podLogDirectory?.(pod);
    return directory ? json(200, { directory }) : notFound(`pod "${name}" has no log directory`);
  }
  if (sub === 'start-phases') {
    const phases = pod.metadata?.uid ? provider.startPhases?.(pod.metadata.uid) : undefined;
    return phases ? json(200, phases) : notFound(`pod "${name}" has no finished start timed by this staticlet`);
  }
  if (sub !== 'events') return notFound(`the server could not find the requested resource ${url.pathname}`);
  const uid = pod.metadata?.uid;
  return json(200, { apiVersion: 'v1', kind: 'EventList', items: uid ? provider.events(uid) : [] });
}
