import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredPod } from '../../../src/config/desired-state.js';
import { silentLogger, type Logger } from '../../../src/logging/logger.js';
import type { PodDeps } from '../../../src/pods/deps.js';
import { PodWorker, type WorkerHost } from '../../../src/pods/worker.js';
import { KeyedBackoff, type Runtime } from '../../../src/runtime/index.js';
import { container, pod, T0 } from './fakes.js';

/** Microtask turns a wake is delayed by, relative to the end of the last sync. */
const DEPTHS = Array.from({ length: 21 }, (_, k) => k);

/**
 * A worker whose every sync is microtasks only: the runtime holds nothing and lists at once, and
 * the host reports the pod blocked, so a sync observes and records without acting, and never
 * arms a timer (no plan, no back-off, no error retry). `onSynced` runs as each sync's slot ends.
 */
function harness(onSynced: (n: number, worker: PodWorker) => void) {
  const warnings: string[] = [];
  const logger: Logger = silentLogger();
  // A failed sync arms the 2 s retry timer: a test that saw one could pass thanks to it.
  logger.warn = ((_obj: unknown, msg?: string) => void warnings.push(String(msg))) as Logger['warn'];
  const runtime = new Proxy({} as Runtime, {
    get: (_t, p) => (p === 'listPodSandboxes' || p === 'listContainers' ? () => Promise.resolve([]) : () => Promise.reject(new Error(`unexpected runtime call ${String(p)}`))),
  });
  const deps: PodDeps = {
    runtime,
    images: { ensureImage: () => Promise.reject(new Error('unexpected pull')), backoffRemaining: () => 0, gc: () => {} },
    events: { record: () => {} },
    node: { nodeName: 'node', hostIP: '10.0.0.1', rootDir: '/nonexistent', podLogsDir: '/nonexistent', clusterDNS: [], resolvConf: '/nonexistent', runtimeName: 'fake' },
    crashBackoff: new KeyedBackoff({ baseMs: 10_000, maxMs: 300_000, now: () => T0 }),
    logger,
    hostResolver: () => Promise.reject(new Error('unexpected resolver call')),
    now: () => T0,
  };
  let syncs = 0;
  let worker: PodWorker | undefined;
  const statusChanges: string[] = [];
  const host: WorkerHost = {
    async schedule<T>(fn: () => Promise<T>): Promise<T> {
      const r = await fn();
      syncs++;
      onSynced(syncs, worker!);
      return r;
    },
    blocked: () => true,
    mayTearDown: () => true,
    finished: () => {},
    statusChanged: (uid) => statusChanges.push(uid),
    released: () => {},
    fingerprint: () => 'unchanged',
  };
  const p = pod({ containers: [container('app')] });
  const desired: DesiredPod = { pod: p, uid: 'uid-1', fullName: 'default/p-node', source: { kind: 'file', location: '/m/p.yaml' }, seenAt: '2026-11-25T10:00:00Z' };
  worker = new PodWorker(deps, host, { namespace: 'default', name: 'p-node', uid: 'uid-1' }, desired);
  return { worker, syncs: () => syncs, warnings, statusChanges };
}

/** Lets every queued microtask run, and what they queue in turn: no timer is involved. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('PodWorker wake', () => {
  for (const depth of DEPTHS) {
    test(`a wake ${depth} microtasks after the last sync ends brings one more sync`, async () => {
      const timersBefore = timers();
      const h = harness((n, worker) => {
        if (n !== 1) return;
        void (async () => {
          for (let i = 0; i < depth; i++) await Promise.resolve();
          worker.wake();
        })();
      });
      h.worker.wake();
      await settle();
      assert.deepEqual(h.warnings, []);
      assert.equal(timers(), timersBefore, 'the worker armed a timer');
      assert.equal(h.syncs(), 2, `the wake ${depth} microtasks after the first sync was lost`);
      await h.worker.stop();
    });
  }

  test('the host hears of a status change once, not of syncs that leave the status as it was', async () => {
    const h = harness(() => {});
    h.worker.wake();
    await settle();
    assert.deepEqual(h.statusChanges, ['uid-1'], 'the first status is a change');
    h.worker.wake();
    await settle();
    h.worker.wake();
    await settle();
    assert.equal(h.syncs(), 3);
    assert.deepEqual(h.statusChanges, ['uid-1'], 'unchanged status: no notice');
    await h.worker.stop();
  });

  test('wakes while a sync runs fold into exactly one more sync', async () => {
    const h = harness((n, worker) => {
      if (n === 1) for (let i = 0; i < 3; i++) worker.wake();
    });
    h.worker.wake();
    await settle();
    assert.deepEqual(h.warnings, []);
    assert.equal(h.syncs(), 2);
    await h.worker.stop();
  });
});
