import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { PodDeps } from '../../../src/pods/deps.js';
import { crashKey, startContainer, type StartContext } from '../../../src/pods/start.js';
import { fromGrpcError, KeyedBackoff, type Runtime } from '../../../src/runtime/index.js';
import { tempDir } from '../../helpers/manifests.js';

const RESERVED = Object.assign(new Error('2 UNKNOWN: reserved'), {
  code: 2,
  details: 'failed to reserve container name "main_web-node-1_default_u1_0": name "main_web-node-1_default_u1_0" is reserved for "4c682aa1"',
});

/**
 * CreateContainer refused because containerd still runs an earlier create of the same attempt
 * (a supervisor killed mid-call): the start is retried soon and the crash back-off stays clean.
 */
describe('startContainer: a name the runtime still reserves', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.cleanup());

  test('retries after 250 ms, then 500 ms; no crash back-off; a success clears it', async () => {
    let refuse = 2;
    const created: string[] = [];
    const runtime = new Proxy({} as Runtime, {
      get: (_t, p) => {
        if (p === 'createContainer') {
          return () => (refuse-- > 0 ? Promise.reject(fromGrpcError('CreateContainer', RESERVED)) : Promise.resolve((created.push('c1'), 'c1')));
        }
        if (p === 'startContainer') return () => Promise.resolve();
        return () => Promise.reject(new Error(`unexpected runtime call ${String(p)}`));
      },
    });
    let now = 1_000_000;
    const crashBackoff = new KeyedBackoff({ baseMs: 10_000, maxMs: 300_000, now: () => now });
    const events: string[] = [];
    const deps: PodDeps = {
      runtime,
      images: { ensureImage: () => Promise.resolve({ imageRef: 'sha256:1', pulled: false }), backoffRemaining: () => 0, gc: () => {} },
      events: { record: (_t, _type, reason) => void events.push(reason) },
      node: { nodeName: 'node-1', hostIP: '10.0.0.1', rootDir: join(dir.path, 'root'), podLogsDir: join(dir.path, 'logs'), clusterDNS: [], resolvConf: '/nonexistent', runtimeName: 'fake' },
      crashBackoff,
      logger: silentLogger(),
      hostResolver: () => Promise.reject(new Error('unexpected resolver call')),
      now: () => now,
    };
    const pod: Pod = { metadata: { name: 'web-node-1', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } };
    const ctx: StartContext = {
      deps, ref: { namespace: 'default', name: 'web-node-1', uid: 'u1' }, pod, sandboxId: 'sb1',
      sandboxConfig: { metadata: { name: 'web-node-1', namespace: 'default', uid: 'u1', attempt: 0 } },
      podIPs: ['10.88.0.2'], volumes: new Map(), extraMounts: [], logDir: join(dir.path, 'logs', 'default_web-node-1_u1'),
      conflicts: new KeyedBackoff({ baseMs: 250, maxMs: 8_000, now: () => now }),
    };
    const step = { name: 'main', kind: 'app' as const, restartCount: 0 };
    const first = await startContainer(ctx, step);
    assert.ok(!first.ok && first.retryAfterMs === 250 && first.note.reason === 'CreateContainerError');
    now += 250;
    const second = await startContainer(ctx, step);
    assert.ok(!second.ok && second.retryAfterMs === 500);
    assert.equal(crashBackoff.get(crashKey('u1', 'main')), 0, 'no crash back-off');
    now += 500;
    assert.deepEqual(await startContainer(ctx, step), { ok: true });
    assert.deepEqual(created, ['c1']);
    now += 100;
    refuse = 1;
    const later = await startContainer(ctx, step);
    assert.ok(!later.ok && later.retryAfterMs === 250, 'a success starts the retries over');
  });
});
