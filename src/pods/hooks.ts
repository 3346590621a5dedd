import type { Container, LifecycleHandler } from '../api/generated/core-v1.js';
import { execProbe, httpProbe } from '../probes/handlers/index.js';
import type { ProbeTarget } from '../probes/types.js';
import type { Runtime } from '../runtime/index.js';

/**
 * postStart and preStop handlers. exec and httpGet are the probe handlers (the kubelet runs
 * hooks and probes through the same machinery): exec through the runtime, httpGet from the node
 * to the pod. sleep just waits. A handler gets at most `timeoutMs`: for preStop that is the grace
 * period, which the stop that follows must share.
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
  const probeTarget: ProbeTarget = target;
  if (handler.exec || handler.httpGet) {
    const r = handler.exec
      ? await execProbe({ exec: handler.exec }, probeTarget, timeoutMs)
      : await httpProbe({ httpGet: handler.httpGet! }, probeTarget, timeoutMs);
    if (r.outcome === 'failure') throw new HookError(r.message);
    return;
  }
  if (handler.sleep) {
    await sleep(Math.min(handler.sleep.seconds * 1000, timeoutMs), signal);
    return;
  }
  throw new HookError('handler has no exec, httpGet or sleep action');
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
