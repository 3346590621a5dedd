import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Container, LifecycleHandler } from '../api/generated/core-v1.js';
import type { Runtime } from '../runtime/index.js';

/**
 * postStart and preStop handlers. exec runs through the runtime, httpGet goes from the node to
 * the pod (as the kubelet does), sleep just waits. A handler gets at most `timeoutMs`: for
 * preStop that is the grace period, which the stop that follows must share.
 */
export interface HookTarget {
  runtime: Runtime;
  containerId: string;
  container: Pick<Container, 'name' | 'ports'>;
  /** Default host for httpGet: the pod IP (the node IP for host-network pods). */
  podIP: string;
}

export class HookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookError';
  }
}

export async function runHook(handler: LifecycleHandler, target: HookTarget, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  if (handler.exec) {
    const cmd = handler.exec.command ?? [];
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const r = await target.runtime.execSync(target.containerId, cmd, seconds, { timeoutMs: timeoutMs + 5_000 }).catch((err: unknown) => {
      throw new HookError(`command ${JSON.stringify(cmd)} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (r.exitCode !== 0) {
      const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8').trim().slice(0, 512);
      throw new HookError(`command ${JSON.stringify(cmd)} exited with ${r.exitCode}${out ? `: ${out}` : ''}`);
    }
    return;
  }
  if (handler.httpGet) {
    const g = handler.httpGet;
    const port = resolvePort(g.port, target.container);
    const host = g.host || target.podIP || '127.0.0.1';
    const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
    const status = await httpGet((g.scheme ?? 'HTTP') === 'HTTPS', host, port, path, g.httpHeaders ?? [], timeoutMs);
    if (status < 200 || status >= 400) throw new HookError(`HTTP GET ${host}:${port}${path} returned ${status}`);
    return;
  }
  if (handler.sleep) {
    await sleep(Math.min(handler.sleep.seconds * 1000, timeoutMs), signal);
    return;
  }
  throw new HookError('handler has no exec, httpGet or sleep action');
}

export function resolvePort(port: number | string, c: Pick<Container, 'name' | 'ports'>): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = (c.ports ?? []).find((x) => x.name === port);
  if (!p) throw new HookError(`container ${c.name} has no port named "${port}"`);
  return p.containerPort;
}

function httpGet(tls: boolean, host: string, port: number, path: string, headers: Array<{ name: string; value: string }>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { 'user-agent': 'staticlet', connection: 'close' };
    for (const x of headers) h[x.name.toLowerCase()] = x.value;
    const req = (tls ? httpsRequest : httpRequest)(
      { host, port, path, method: 'GET', headers: h, agent: false, timeout: timeoutMs, ...(tls ? { rejectUnauthorized: false } : {}) },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new HookError(`HTTP GET ${host}:${port}${path} timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof HookError ? err : new HookError(`HTTP GET ${host}:${port}${path} failed: ${err.message}`)));
    req.end();
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
