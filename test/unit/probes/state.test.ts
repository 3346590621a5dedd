import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { ProbeWorker } from '../../../src/probes/worker.js';
import { ThresholdState } from '../../../src/probes/state.js';
import type { ProbeResult, ProbeTarget } from '../../../src/probes/types.js';
import type { Runtime } from '../../../src/runtime/index.js';

describe('ThresholdState (kubelet threshold rule)', () => {
  test('initial verdicts: readiness not ready, liveness alive, startup not started', () => {
    assert.equal(new ThresholdState('readiness', 1, 3).result, false);
    assert.equal(new ThresholdState('liveness', 1, 3).result, true);
    assert.equal(new ThresholdState('startup', 1, 3).result, false);
  });

  test('flips only after failureThreshold consecutive failures', () => {
    const s = new ThresholdState('liveness', 1, 3);
    assert.equal(s.record(false), false);
    assert.equal(s.record(false), false);
    assert.equal(s.record(true), false, 'a success breaks the run');
    assert.equal(s.record(false), false);
    assert.equal(s.record(false), false);
    assert.equal(s.record(false), true);
    assert.equal(s.result, false);
  });

  test('readiness needs successThreshold consecutive successes to turn ready, and turns back', () => {
    const s = new ThresholdState('readiness', 2, 1);
    assert.equal(s.record(true), false);
    assert.equal(s.record(true), true);
    assert.equal(s.result, true);
    assert.equal(s.record(true), false);
    assert.equal(s.record(false), true);
    assert.equal(s.result, false);
  });

  test('reset starts the count afresh', () => {
    const s = new ThresholdState('liveness', 1, 2);
    s.record(false);
    s.reset();
    assert.equal(s.record(false), false);
    assert.equal(s.record(false), true);
  });
});

describe('ProbeWorker timing', () => {
  const target: ProbeTarget = { runtime: {} as Runtime, containerId: 'c1', container: { name: 'app' }, podIP: '10.0.0.2' };

  test('waits the first delay and initialDelaySeconds, then probes every period; liveness holds after failing', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let t = 0;
      const calls: number[] = [];
      const outcomes: Array<[boolean, boolean]> = [];
      const w = new ProbeWorker('liveness', { exec: { command: ['x'] }, periodSeconds: 2, initialDelaySeconds: 3, failureThreshold: 2 }, target, 0, {
        run: async () => {
          calls.push(t);
          return { outcome: 'failure', message: 'nope' } satisfies ProbeResult;
        },
        gated: () => true,
        result: (_w, _r, verdict, flipped) => outcomes.push([verdict, flipped]),
        now: () => t,
      });
      w.start(500);
      const advance = async (ms: number) => {
        for (let i = 0; i < ms / 100; i++) {
          t += 100;
          mock.timers.tick(100);
          await Promise.resolve();
          await Promise.resolve();
        }
      };
      await advance(10_000);
      w.stop();
      // Ticks at 0.5, 2.5 (inside the 3 s initial delay), 4.5, 6.5 → fails twice → on hold.
      assert.deepEqual(calls, [4_500, 6_500]);
      assert.deepEqual(outcomes, [[true, false], [false, true]]);
    } finally {
      mock.timers.reset();
    }
  });
});
