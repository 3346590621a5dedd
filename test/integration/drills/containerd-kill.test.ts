/**
 * Drill: SIGKILL containerd under a running supervisor (a child process) and start it again,
 * five times. The shims keep the containers running; the supervisor must ride it out: keep
 * serving status during the outage, restart nothing, and be back at work soon after containerd
 * is: a pod added (or removed) during each outage is started (or removed) then.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { fetchStatus } from '../../../src/cli/status-client.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { DrillNode, prng, type Converged } from './harness.js';

const ROUNDS = 5;
const PODS = 10;
/** containerd answers again well within this; the supervisor then has the rest. */
const RECOVER_MS = 10_000;

describe('drill: containerd SIGKILLed and restarted under a running supervisor', () => {
  let env: ContainerdEnv;
  let node: DrillNode;
  before(async () => {
    env = await startContainerd();
    node = await DrillNode.create(env);
  });
  after(async () => {
    await node?.close();
    await env?.down();
  });

  test(`${ROUNDS} rounds: containers kept, no restart, status right again`, async (t) => {
    const rand = prng(7);
    for (let i = 0; i < PODS; i++) {
      await node.put({ name: `c${i}`, version: 1, label: 0, containers: i % 3 === 0 ? ['main', 'side'] : ['main'], hostNetwork: i % 4 === 1 });
    }
    const proc = node.spawn();
    const first: Converged = (await node.waitConverged(60_000)).state;
    const ids = (s: Converged): string[] => [...s.containers].flatMap(([uid, m]) => [...m].map(([c, id]) => `${uid}/${c}=${id}`)).sort();
    const times: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // A new version each time: the same UID coming back would continue its restart count
      // from the log files of its earlier life, as with the kubelet.
      const extra = { name: 'extra', version: round, label: 0, containers: ['main'], hostNetwork: false };
      await env.kill();
      // Down for a while: relists and syncs fail meanwhile.
      await new Promise((r) => setTimeout(r, 500 + rand() * 1_500));
      const pods = await fetchStatus<{ items: Pod[] }>(join(node.root, 'staticlet.sock'), '/pods', 2_000);
      assert.equal(pods.items.length, PODS + (round % 2 === 0 ? 1 : 0), 'status is served while the runtime is down');
      assert.equal(proc.child.exitCode, null, 'the supervisor is still running');
      if (round % 2 === 1) await node.put(extra);
      else await node.drop(extra.name);
      await env.start();
      const { ms, state } = await node.waitConverged(RECOVER_MS);
      times.push(ms);
      state.containers.delete(node.uidOf(extra));
      assert.deepEqual(ids(state), ids(first), `round ${round}: the same containers, none restarted`);
    }
    t.diagnostic(`converged after containerd came back (ms): ${times.join(' ')}`);
    assert.equal(proc.child.exitCode, null);
  });
});
