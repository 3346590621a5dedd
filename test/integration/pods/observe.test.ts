import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { RuntimeClient } from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

describe('observing the runtime', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  const calls = { containerStatus: 0 };
  before(async () => {
    env = await startContainerd();
    const count = (r: RuntimeClient): RuntimeClient =>
      new Proxy(r, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (prop === 'containerStatus' && typeof v === 'function') {
            return (...args: unknown[]) => {
              calls.containerStatus++;
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    // A resync every 200 ms: without reuse, each one would ask for the container's status again.
    h = await startSupervisor(env, { crashBackoffBaseMs: 1_000, settings: { syncFrequencyMs: 200 }, wrapRuntime: count });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
  });

  test('resyncs with an unchanged relist reuse the last observation; a change is seen at once', async () => {
    await h.write('quiet.yaml', manifest('quiet', `  terminationGracePeriodSeconds: 1\n  containers: [{name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}]\n`));
    const p = await h.waitPod('quiet', (x) => cs(x, 'app')?.state?.running !== undefined);
    await sleep(1_000);
    const before = calls.containerStatus;
    await sleep(3_000);
    // About 15 resyncs went by.
    assert.ok(calls.containerStatus - before <= 1, `${calls.containerStatus - before} status calls while nothing changed`);

    // Stopped behind staticlet's back: the relist notices and the container is restarted.
    const id = cs(p, 'app')!.containerID!.replace(/^containerd:\/\//, '');
    await h.runtime.stopContainer(id, 0);
    const again = await h.waitPod('quiet', (x) => (cs(x, 'app')?.restartCount ?? 0) >= 1 && cs(x, 'app')?.state?.running !== undefined);
    assert.equal(cs(again, 'app')!.lastState?.terminated?.exitCode, 137);
    await h.remove('quiet.yaml');
  });
});
