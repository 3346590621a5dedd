/**
 * Drill: SIGKILL the supervisor while it creates and deletes pods, start it again, and check
 * after every round that it converges fast and exactly: no desired pod lost, no duplicate
 * sandbox, no orphan, no restart of a container whose pod did not change.
 *
 * STATICLET_DRILL_ROUNDS (default 10) and STATICLET_DRILL_SEED (default 14) pick the drill;
 * STATICLET_DRILL_VERBOSE=1 shows where each round spent its time, STATICLET_DRILL_DUMP=<file>
 * keeps the supervisor's log of a round that failed.
 *
 * About one kill in a hundred lands while containerd creates a container's task; containerd 1.6
 * then keeps the task, and the container could never be removed or made again (the pod stayed
 * stuck with its app container exited). runtime/grpc/client.ts removeContainer clears it;
 * in-flight.test.ts plants that state deterministically.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { DrillNode, prng, type Converged, type DrillPod } from './harness.js';

const ROUNDS = Number(process.env.STATICLET_DRILL_ROUNDS ?? 10);
const SEED = Number(process.env.STATICLET_DRILL_SEED ?? 14);
const PODS = 30;
const POOL = 40;
/**
 * The goal of issue 14: a restarted supervisor is where it should be within 5 s. That is a speed
 * figure: it is reported (with the timeline of any round over it), not asserted, since another
 * test file running beside this one on a 2-core machine can stretch a round (one CI round took
 * 6.2 s). What is asserted is exactness, and convergence well inside the 30 s a stuck pod shows.
 */
const GOAL_MS = 5_000;
const LIMIT_MS = 15_000;

describe('drill: supervisor SIGKILL during create/delete churn', () => {
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

  test(`${ROUNDS} rounds over ${PODS} pods (seed ${SEED}): exact after each restart, converged < ${LIMIT_MS} ms (goal ${GOAL_MS} ms)`, async (t) => {
    const rand = prng(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const name = (i: number): string => `p${String(i).padStart(2, '0')}`;
    const fresh = (i: number, version = 1): DrillPod => ({
      name: name(i),
      version,
      label: 0,
      // Some pods with two containers (more create/start gaps to land in), some on the host network.
      containers: i % 3 === 0 ? ['main', 'side'] : ['main'],
      hostNetwork: i % 4 === 1,
    });
    for (let i = 0; i < PODS; i++) await node.put(fresh(i));
    node.spawn();
    let state: Converged = (await node.waitConverged(90_000)).state;

    const times: number[] = [];
    const failures: string[] = [];
    let nextVersion = 2;
    let prevLines: Array<Record<string, unknown>> | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      node.maxReadyPerName = 0;
      const absent = (): number[] => [...Array(POOL).keys()].filter((i) => !node.desired.has(name(i)));
      const present = (): DrillPod[] => [...node.desired.values()];
      /** One change to the manifest directory: add, remove, edit the spec or edit a label. */
      const change = async (): Promise<void> => {
        const r = rand();
        if (r < 0.25 && absent().length > 0) await node.put(fresh(pick(absent()), nextVersion++));
        else if (r < 0.5 && present().length > PODS - 6) await node.drop(pick(present()).name);
        else if (r < 0.8) await node.put({ ...pick(present()), version: nextVersion++ });
        else {
          const p = pick(present());
          await node.put({ ...p, label: p.label + 1 });
        }
      };
      const changes = 4 + Math.floor(rand() * 6);
      for (let i = 0; i < changes; i++) {
        await change();
        await new Promise((r) => setTimeout(r, rand() * 150));
      }
      // The kill lands somewhere in the supervisor's work on those changes.
      await new Promise((r) => setTimeout(r, rand() * 800));
      prevLines = node.proc?.lines;
      await node.kill();
      // Sometimes the directory changes while no supervisor runs.
      if (rand() < 0.4) await change();

      const started = Date.now();
      node.spawn();
      let ms: number;
      let now: Converged;
      try {
        ({ ms, state: now } = await node.waitConverged(30_000, started));
      } catch (err) {
        failures.push(`round ${round}: ${(err as Error).message}\n  ${node.timeline(started)}`);
        if (process.env.STATICLET_DRILL_DUMP) await writeFile(process.env.STATICLET_DRILL_DUMP, [...(prevLines ?? []), ...(node.proc?.lines ?? [])].map((l) => JSON.stringify(l)).join('\n'));
        break;
      }
      times.push(ms);
      if (process.env.STATICLET_DRILL_VERBOSE) t.diagnostic(`round ${round}: ${ms} ms; ${node.timeline(started)}`);
      // A pod whose UID is still desired did not change: its sandbox and containers must be the same.
      for (const [uid, sb] of state.sandboxes) {
        if (!now.sandboxes.has(uid)) continue;
        if (now.sandboxes.get(uid) !== sb) failures.push(`round ${round}: sandbox of ${uid.slice(0, 8)} replaced`);
        for (const [c, id] of state.containers.get(uid) ?? []) {
          if (now.containers.get(uid)?.get(c) !== id) failures.push(`round ${round}: container ${c} of ${uid.slice(0, 8)} restarted`);
        }
      }
      if (node.maxReadyPerName > 1) failures.push(`round ${round}: a pod had ${node.maxReadyPerName} ready sandboxes at once`);
      if (ms >= LIMIT_MS) failures.push(`round ${round}: converged in ${ms} ms`);
      if (ms >= GOAL_MS && !process.env.STATICLET_DRILL_VERBOSE) t.diagnostic(`round ${round}: ${ms} ms, over the ${GOAL_MS} ms goal; ${node.timeline(started)}`);
      state = now;
    }
    t.diagnostic(`convergence per round (ms): ${times.join(' ')}; over the ${GOAL_MS} ms goal: ${times.filter((ms) => ms >= GOAL_MS).length} of ${times.length}`);
    assert.deepEqual(failures, []);
  });
});
