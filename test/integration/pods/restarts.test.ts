import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { managedSelector, POD_UID_LABEL, type RuntimeClient } from '../../../src/runtime/index.js';
import { restartCountOf } from '../../../src/status/instances.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

/** Polls the runtime and records each instance's start and finish, by restart count. */
async function recordRestarts(runtime: RuntimeClient, uid: string, untilCount: number, timeoutMs: number): Promise<Map<number, { startedAt: number; finishedAt: number }>> {
  const seen = new Map<number, { startedAt: number; finishedAt: number }>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const c of await runtime.listContainers({ labelSelector: managedSelector({ [POD_UID_LABEL]: uid }) })) {
      const st = await runtime.containerStatus(c.id).catch(() => undefined);
      if (!st || !st.startedAt) continue;
      const n = restartCountOf(st);
      const prev = seen.get(n);
      if (!prev || (st.finishedAt && !prev.finishedAt)) seen.set(n, { startedAt: st.startedAt, finishedAt: st.finishedAt });
    }
    if (seen.has(untilCount)) return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`restart ${untilCount} not seen in ${timeoutMs} ms (saw ${[...seen.keys()].join(',')})`);
}

/** Time from each instance's exit to the next one's start, in ms. */
function gaps(seen: Map<number, { startedAt: number; finishedAt: number }>, upTo: number): number[] {
  const out: number[] = [];
  for (let n = 1; n <= upTo; n++) out.push(seen.get(n)!.startedAt - seen.get(n - 1)!.finishedAt);
  return out;
}

const crasher = (name: string): string =>
  manifest(name, `  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "echo crashing; exit 1"]}\n`);

describe('crash-loop back-off', () => {
  let env: ContainerdEnv;
  let fast: SupervisorHarness;
  before(async () => {
    env = await startContainerd();
    fast = await startSupervisor(env, { crashBackoffBaseMs: 2_000, crashBackoffMaxMs: 60_000 });
  });
  after(async () => {
    await fast?.stop().catch(() => undefined);
    await env?.down();
  });

  test('exit 1 under Always: first restart at once, then base and 2 x base (base 2 s)', async () => {
    await fast.write('crash.yaml', crasher('crash'));
    const p = await fast.waitPod('crash', (x) => Boolean(x.metadata?.uid));
    const seen = await recordRestarts(fast.runtime, p.metadata!.uid!, 3, 30_000);
    const [g1, g2, g3] = gaps(seen, 3);
    const tolerance = 800; // relist period (250 ms) + container start time
    assert.ok(g1! < tolerance, `first restart at once, took ${g1} ms`);
    assert.ok(Math.abs(g2! - 2_000) < tolerance, `second restart after 2 s, took ${g2} ms`);
    assert.ok(Math.abs(g3! - 4_000) < tolerance, `third restart after 4 s, took ${g3} ms`);

    const looping = await fast.waitPod('crash', (x) => cs(x, 'app')?.state?.waiting?.reason === 'CrashLoopBackOff');
    const app = cs(looping, 'app')!;
    assert.equal(looping.status?.phase, 'Running');
    assert.match(app.state!.waiting!.message!, /^back-off \d+s restarting failed container=app pod=crash-node-1_default\(/);
    assert.equal(app.lastState?.terminated?.exitCode, 1);
    assert.equal(app.lastState?.terminated?.reason, 'Error');
    assert.ok(app.restartCount >= 3);
    assert.equal(app.ready, false);
    const events = fast.sup.events(looping.metadata!.uid!);
    assert.ok(events.some((e) => e.reason === 'BackOff' && e.type === 'Warning'));
    // The previous instance stays for --previous logs; older ones are removed.
    const instances = await fast.runtime.listContainers({ labelSelector: managedSelector({ [POD_UID_LABEL]: looping.metadata!.uid! }) });
    assert.ok(instances.length <= 2, `at most current + previous instance kept, found ${instances.length}`);
    await fast.remove('crash.yaml');
    await eventually(() => fast.pod('crash') === undefined, { timeoutMs: 15_000, what: 'crash removed' });
  });

  test('the kubelet default: the second restart waits 10 s', async () => {
    // One supervisor per runtime: a second one would take the first one's pods for orphans.
    await fast.stop();
    const real = await startSupervisor(env);
    try {
      await real.write('crash10.yaml', crasher('crash10'));
      const p = await real.waitPod('crash10', (x) => Boolean(x.metadata?.uid));
      const seen = await recordRestarts(real.runtime, p.metadata!.uid!, 2, 30_000);
      const [g1, g2] = gaps(seen, 2);
      assert.ok(g1! < 1_500, `first restart at once, took ${g1} ms`);
      assert.ok(g2! >= 9_800 && g2! < 11_500, `second restart after 10 s, took ${g2} ms`);
      await real.remove('crash10.yaml');
      await eventually(() => real.pod('crash10') === undefined, { timeoutMs: 15_000, what: 'crash10 removed' });
    } finally {
      await real.stop();
    }
  });
});
