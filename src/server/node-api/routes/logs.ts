/**
 * /containerLogs/{namespace}/{pod}/{container}: a container's log with the v1 PodLogOptions
 * query (follow, previous, sinceSeconds, sinceTime, timestamps, tailLines, limitBytes, and the
 * legacy `tail`), read by the same src/logs code as `staticlet logs`. Names are checked as the
 * API server checks them before anything touches the file system, and the directory comes from
 * the pod manager's pod, never from the request.
 */
import { join } from 'node:path';
import type { Pod } from '../../../api/generated/core-v1.js';
import { pickInstance, restartCounts } from '../../../logs/files.js';
import { readLogs } from '../../../logs/follow.js';
import { lineWriter } from '../../../logs/writer.js';
import { dns1123Label, dns1123Subdomain } from '../../../validation/names.js';
import { queryBool, queryInt, queryValue, RequestError, sendText } from '../http.js';
import type { Route, RouteContext } from '../types.js';

/** Concurrent followers by default; each holds a file handle and a poll timer. */
export const DEFAULT_MAX_LOG_FOLLOWERS = 64;

interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tail?: number;
  sinceMs?: number;
  limitBytes?: number;
}

/** PodLogOptions from the query: malformed values are 400, invalid ones 422 (as the API server's validation). */
export function parseLogOptions(q: URLSearchParams, now: number): LogOptions {
  const invalid = (msg: string): never => {
    throw new RequestError(422, msg);
  };
  const o: LogOptions = { follow: queryBool(q, 'follow'), previous: queryBool(q, 'previous'), timestamps: queryBool(q, 'timestamps') };
  const tailLines = queryInt(q, 'tailLines');
  const legacyTail = queryValue(q, 'tail');
  if (tailLines !== undefined) {
    if (tailLines < 0) invalid('tailLines: must be greater than or equal to 0');
    o.tail = tailLines;
  } else if (legacyTail !== undefined && legacyTail !== 'all') {
    const n = queryInt(q, 'tail')!;
    if (n < 0) invalid('tail: must be greater than or equal to 0');
    o.tail = n;
  }
  const sinceSeconds = queryInt(q, 'sinceSeconds');
  const sinceTime = queryValue(q, 'sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== undefined) invalid('at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) invalid('sinceSeconds: must be greater than 0');
    o.sinceMs = now - sinceSeconds * 1000;
  }
  if (sinceTime !== undefined) {
    const t = Date.parse(sinceTime);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(sinceTime) || Number.isNaN(t)) throw new RequestError(400, `sinceTime: "${sinceTime.slice(0, 64)}" is not an RFC 3339 time`);
    o.sinceMs = t;
  }
  const limitBytes = queryInt(q, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1) invalid('limitBytes: must be greater than 0');
    o.limitBytes = limitBytes;
  }
  const stream = queryValue(q, 'stream');
  if (stream !== undefined && stream !== 'All') invalid('stream: only All is supported');
  return o;
}

function checkName(what: string, value: string | undefined, rule: (v: string) => string[]): string {
  if (value === undefined || value === '') throw new RequestError(400, `Missing ${what}.`);
  const problems = rule(value);
  if (problems.length > 0) throw new RequestError(400, `invalid ${what} "${value.slice(0, 64)}": ${problems[0]}`);
  return value;
}

export function containerLogsRoute(maxFollowers = DEFAULT_MAX_LOG_FOLLOWERS): Route {
  let followers = 0;
  return {
    prefix: 'containerLogs',
    methods: ['GET'],
    subpaths: true,
    debugging: true,
    async handle(ctx: RouteContext) {
      const [ns, podName, container, ...extra] = ctx.params;
      const namespace = checkName('podNamespace', ns, dns1123Label);
      const name = checkName('podID', podName, dns1123Subdomain);
      const containerName = checkName('container name', container, dns1123Label);
      if (extra.length > 0) return sendText(ctx.res, 404, '404 page not found\n');
      const opts = parseLogOptions(ctx.url.searchParams, Date.now());
      const pod = ctx.deps.getPod(namespace, name);
      if (!pod) return sendText(ctx.res, 404, `pod "${name}" does not exist\n`);
      const inSpec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some((c) => c.name === containerName);
      if (!inSpec) return sendText(ctx.res, 404, `container "${containerName}" not found in pod "${name}"\n`);
      const directory = ctx.deps.podLogDirectory(pod);
      if (!directory) return sendText(ctx.res, 404, `pod "${name}" has no log directory\n`);
      const containerDir = join(directory, containerName);
      const instance = pickInstance(await restartCounts(containerDir), opts.previous);
      if (instance === undefined) {
        const msg = opts.previous ? `previous terminated container "${containerName}" in pod "${name}" not found` : `container "${containerName}" in pod "${name}" is waiting to start`;
        return sendText(ctx.res, 400, `${msg}\n`);
      }
      const follow = opts.follow && !opts.previous;
      if (follow && followers >= maxFollowers) return sendText(ctx.res, 429, `too many log followers (at most ${maxFollowers}); try again later\n`, { 'retry-after': '5' });
      if (follow) followers++;
      try {
        await stream(ctx, pod, containerDir, instance, follow, opts);
      } finally {
        if (follow) followers--;
      }
    },
  };
}

async function stream(ctx: RouteContext, pod: Pod, containerDir: string, instance: number, follow: boolean, opts: LogOptions): Promise<void> {
  const { res, deps } = ctx;
  // Stops at the byte limit as well as when the client goes.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const ns = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const uid = pod.metadata?.uid;
  res.writeHead(200, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' });
  // A follower may wait long for its first line; the client should see the answer begin now.
  res.flushHeaders();
  const writer = lineWriter(res, opts.timestamps, { ...(opts.limitBytes !== undefined ? { limitBytes: opts.limitBytes, onLimit: () => stop.abort() } : {}) });
  // Following ends when the pod is gone, replaced (new UID) or finished for good, as `staticlet logs -f`.
  const done = async (): Promise<boolean> => {
    const p = deps.getPod(ns, name);
    return !p || p.metadata?.uid !== uid || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  };
  try {
    await readLogs(
      {
        containerDir,
        instance,
        follow,
        done,
        backpressure: writer.backpressure,
        signal: stop.signal,
        ...(follow ? { pollMs: 100, doneCheckMs: 1_000 } : {}),
        ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
        ...(opts.sinceMs !== undefined ? { sinceMs: opts.sinceMs } : {}),
      },
      writer.emit,
    );
  } catch (err) {
    // The client went away mid-stream: nothing to answer.
    if (!ctx.signal.aborted) throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}
