import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { POD_NAMESPACE_LABEL, type CriClient } from '../../src/runtime/index.js';

/** Set on SIGINT/SIGTERM so every wait loop unwinds into the caller's cleanup. */
export const abort = new AbortController();

export function checkAborted(): void {
  if (abort.signal.aborted) throw new Error('benchmark interrupted');
}

export interface RunningTimes {
  /** ms from t0 until the poller first saw one container running. */
  firstMs: number;
  /** ms from t0 until the poller saw half of them running: the median pod's start latency. */
  halfMs: number;
  /** ms from t0 until the poller saw `expected` containers running. */
  allMs: number;
}

/**
 * The one stop clock both sides share: poll the runtime for running containers of a namespace.
 * The time is taken when the listing returns, so both sides pay the same listing latency.
 */
export async function waitAllRunning(cri: CriClient, namespace: string, expected: number, t0: number, pollMs: number, timeoutMs: number): Promise<RunningTimes> {
  let firstMs = NaN;
  let halfMs = NaN;
  for (;;) {
    checkAborted();
    const n = (await cri.listContainers({ state: 'running', labelSelector: { [POD_NAMESPACE_LABEL]: namespace } })).length;
    const at = performance.now() - t0;
    if (n > 0 && Number.isNaN(firstMs)) firstMs = at;
    if (n >= expected / 2 && Number.isNaN(halfMs)) halfMs = at;
    if (n >= expected) return { firstMs, halfMs, allMs: at };
    if (at > timeoutMs) throw new Error(`${namespace}: only ${n}/${expected} containers running after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/** Until the runtime holds no sandbox or container of the namespace. */
export async function waitGone(cri: CriClient, namespace: string, timeoutMs: number): Promise<void> {
  const labelSelector = { [POD_NAMESPACE_LABEL]: namespace };
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    checkAborted();
    const [s, c] = await Promise.all([cri.listPodSandboxes({ labelSelector }), cri.listContainers({ labelSelector })]);
    if (s.length === 0 && c.length === 0) return;
    if (performance.now() > deadline) throw new Error(`${namespace}: ${s.length} sandboxes and ${c.length} containers left after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Runs `fn` over `items` with at most `width` in flight, in order of the items. */
export async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      checkAborted();
      await fn(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}
