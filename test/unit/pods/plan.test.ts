import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planPod } from '../../../src/pods/plan.js';
import { container, exited, inst, planInput, pod, sandbox } from './fakes.js';

const app = container('app');
const side = container('side', { restartPolicy: 'Always' });
const init1 = container('init1');
const init2 = container('init2');
const starts = (p: ReturnType<typeof planPod>) => p.start.map((s) => `${s.name}#${s.restartCount}`);

describe('planPod: a new pod', () => {
  test('no sandbox: create one (attempt 0) and nothing else', () => {
    const plan = planPod(planInput(pod({ containers: [app] }), {}));
    assert.deepEqual(plan.createSandbox, { attempt: 0, message: 'Creating pod sandbox' });
    assert.deepEqual(plan.start, []);
  });

  test('sandbox ready: start app containers, restart count 0', () => {
    const plan = planPod(planInput(pod({ containers: [app, container('b')] }), { sandboxes: [sandbox('sb1')] }));
    assert.equal(plan.createSandbox, undefined);
    assert.deepEqual(starts(plan), ['app#0', 'b#0']);
  });

  test('log files of an earlier life continue the restart count', () => {
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: [sandbox('sb1')] }, { history: { app: 0 } }));
    assert.deepEqual(starts(plan), ['app#1']);
  });

  test('a pod-network sandbox without an IP is re-created', () => {
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: [sandbox('sb1', { ip: '' })] }));
    assert.equal(plan.createSandbox?.attempt, 1);
    const host = planPod(planInput(pod({ containers: [app], hostNetwork: true }), { sandboxes: [sandbox('sb1', { ip: '' })] }));
    assert.equal(host.createSandbox, undefined);
  });
});

describe('planPod: init containers and sidecars', () => {
  const spec = { initContainers: [init1, init2], containers: [app] };

  test('one regular init container at a time, in order', () => {
    const sb = [sandbox('sb1')];
    assert.deepEqual(starts(planPod(planInput(pod(spec), { sandboxes: sb }))), ['init1#0']);
    assert.deepEqual(starts(planPod(planInput(pod(spec), { sandboxes: sb, containers: [inst(init1)] }))), []);
    assert.deepEqual(starts(planPod(planInput(pod(spec), { sandboxes: sb, containers: [exited(init1, 0)] }))), ['init2#0']);
    assert.deepEqual(starts(planPod(planInput(pod(spec), { sandboxes: sb, containers: [exited(init1, 0), exited(init2, 0)] }))), ['app#0']);
  });

  test('a failed init container is retried under Always (with back-off), fails the pod under Never', () => {
    const sb = [sandbox('sb1')];
    const retry = planPod(planInput(pod(spec), { sandboxes: sb, containers: [exited(init1, 2)] }));
    assert.deepEqual(starts(retry), ['init1#1']);
    const wait = planPod(planInput(pod(spec), { sandboxes: sb, containers: [exited(init1, 2)] }, { backoff: { init1: 4_000 } }));
    assert.deepEqual(starts(wait), []);
    assert.equal(wait.waiting.init1?.reason, 'CrashLoopBackOff');
    assert.equal(wait.wakeAfterMs, 4_000);
    const never = planPod(planInput(pod({ ...spec, restartPolicy: 'Never' }), { sandboxes: sb, containers: [exited(init1, 2)] }));
    assert.equal(never.terminal?.phase, 'Failed');
    assert.deepEqual(starts(never), []);
  });

  test('a sidecar without a startup probe lets the next init container start in the same sync', () => {
    const plan = planPod(planInput(pod({ initContainers: [side, init1], containers: [app] }), { sandboxes: [sandbox('sb1')] }));
    assert.deepEqual(starts(plan), ['side#0', 'init1#0']);
    assert.equal(plan.start[0]!.kind, 'sidecar');
  });

  test('a sidecar with a startup probe holds the next init container until it has started', () => {
    const probed = container('side', { restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } });
    const p = pod({ initContainers: [probed, init1], containers: [app] });
    assert.deepEqual(starts(planPod(planInput(p, { sandboxes: [sandbox('sb1')] }))), ['side#0']);
    const running = [inst(probed)];
    assert.deepEqual(starts(planPod(planInput(p, { sandboxes: [sandbox('sb1')], containers: running }, { started: { side: false } }))), []);
    assert.deepEqual(starts(planPod(planInput(p, { sandboxes: [sandbox('sb1')], containers: running }, { started: { side: true } }))), ['init1#0']);
  });

  test('once initialised, regular init containers never re-run but a dead sidecar restarts', () => {
    const p = pod({ initContainers: [init1, side], containers: [app] });
    const plan = planPod(planInput(p, { sandboxes: [sandbox('sb1')], containers: [exited(init1, 0), exited(side, 137), inst(app)] }));
    assert.deepEqual(starts(plan), ['side#1']);
  });

  test('sidecars are stopped when the app containers complete under Never', () => {
    const p = pod({ initContainers: [side], containers: [app], restartPolicy: 'Never' });
    const sideInst = inst(side);
    const plan = planPod(planInput(p, { sandboxes: [sandbox('sb1')], containers: [sideInst, exited(app, 0)] }));
    assert.equal(plan.terminal?.phase, 'Succeeded');
    assert.deepEqual(plan.kill.map((k) => k.id), [sideInst.id]);
    assert.equal(plan.stopSandbox, 'sb1');
  });
});

describe('planPod: restart policies', () => {
  const sb = [sandbox('sb1')];
  for (const [policy, code, restart] of [
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 1, true],
    ['Never', 0, false],
    ['Never', 1, false],
  ] as const) {
    test(`${policy}, exit ${code}: ${restart ? 'restart' : 'stay exited'}`, () => {
      const plan = planPod(planInput(pod({ containers: [app], restartPolicy: policy }), { sandboxes: sb, containers: [exited(app, code, { restartCount: 2 })] }));
      assert.deepEqual(starts(plan), restart ? ['app#3'] : []);
      if (!restart) assert.equal(plan.terminal?.phase, code === 0 ? 'Succeeded' : 'Failed');
      if (restart) assert.deepEqual(plan.start[0]!.replaces?.finishedAt !== undefined, true);
    });
  }

  test('in back-off: CrashLoopBackOff with the kubelet message and a wake-up when it ends', () => {
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: sb, containers: [exited(app, 1)] }, { backoff: { app: 7_000 } }));
    assert.deepEqual(plan.start, []);
    assert.equal(plan.waiting.app?.reason, 'CrashLoopBackOff');
    assert.equal(plan.waiting.app?.message, 'back-off 10s restarting failed container=app pod=p-node_default(uid-1)');
    assert.equal(plan.wakeAfterMs, 7_000);
  });

  test('a running container whose spec hash changed is replaced without back-off', () => {
    const old = inst(app, { hash: 'stale' });
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: sb, containers: [old] }, { backoff: { app: 9_000 } }));
    assert.deepEqual(plan.kill.map((k) => k.id), [old.id]);
    assert.deepEqual(starts(plan), ['app#1']);
  });

  test('adopted containers with matching hashes are left alone', () => {
    const plan = planPod(planInput(pod({ initContainers: [init1, side], containers: [app] }), { sandboxes: sb, containers: [exited(init1, 0), inst(side), inst(app, { restartCount: 4 })] }));
    assert.deepEqual(plan, { removeSandboxes: [], kill: [], start: [], removeContainers: [], waiting: {} });
  });
});

describe('planPod: sandboxes, garbage and deadlines', () => {
  test('a dead sandbox is re-created with the next attempt and every container is restarted', () => {
    const old = sandbox('sb1', { state: 'notready' });
    const first = planPod(planInput(pod({ containers: [app] }), { sandboxes: [old], containers: [exited(app, 137, { sandbox: 'sb1' })] }));
    assert.equal(first.createSandbox?.attempt, 1);
    const next = planPod(
      planInput(pod({ containers: [app] }), { sandboxes: [sandbox('sb2', { metadata: { ...old.metadata, attempt: 1 } }), old], containers: [exited(app, 137, { sandbox: 'sb1' })] }),
    );
    assert.deepEqual(starts(next), ['app#1'], 'restart count continues across sandboxes');
    assert.deepEqual(next.removeSandboxes, [], 'the old sandbox still holds the previous instance');
  });

  test('duplicate ready sandboxes: the newest wins, the others are removed', () => {
    const newer = sandbox('sb2', { createdAt: sandbox('x').createdAt + 5_000 });
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: [sandbox('sb1'), newer], containers: [inst(app, { sandbox: 'sb2' })] }));
    assert.deepEqual(plan.removeSandboxes, ['sb1']);
    assert.deepEqual(plan.start, []);
  });

  test('keeps the current and the previous instance of each container; strays are removed', () => {
    const list = [exited(app, 1, { restartCount: 0 }), exited(app, 1, { restartCount: 1 }), inst(app, { restartCount: 2 })];
    const stray = inst(container('gone'));
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: [sandbox('sb1')], containers: [...list, stray] }));
    assert.deepEqual(plan.removeContainers.sort(), [list[0]!.id, stray.id].sort());
    assert.deepEqual(plan.kill.map((k) => k.id), [stray.id]);
  });

  test('activeDeadlineSeconds: the pod fails with DeadlineExceeded and its containers are stopped', () => {
    const running = inst(app);
    const p = pod({ containers: [app], activeDeadlineSeconds: 30 });
    const early = planPod(planInput(p, { sandboxes: [sandbox('sb1')], containers: [running] }, { now: 10_000 + 29_000, startTime: 10_000 }));
    assert.equal(early.terminal, undefined);
    const late = planPod(planInput(p, { sandboxes: [sandbox('sb1')], containers: [running] }, { now: 10_000 + 30_000, startTime: 10_000 }));
    assert.equal(late.terminal?.reason, 'DeadlineExceeded');
    assert.deepEqual(late.kill.map((k) => k.id), [running.id]);
    assert.equal(late.stopSandbox, 'sb1');
  });

  test('a Never pod whose sandbox died after its containers ran is not re-created', () => {
    const plan = planPod(planInput(pod({ containers: [app], restartPolicy: 'Never' }), { sandboxes: [sandbox('sb1', { state: 'notready' })], containers: [inst(app)] }));
    assert.equal(plan.createSandbox, undefined);
    assert.equal(plan.terminal?.phase, 'Failed');
  });
});

describe('planPod: instances that never ran', () => {
  const sb = [sandbox('sb1')];
  const created = (c: typeof app, restartCount = 0) => inst(c, { restartCount, state: 'created', startedAt: 0 });
  /** What containerd leaves when a start fails, or is cut short by its caller's death. */
  const startError = (c: typeof app, restartCount = 0) => {
    const i = inst(c, { restartCount, state: 'exited', startedAt: 0, exitCode: 128, reason: 'StartError' });
    return { ...i, finishedAt: i.createdAt + 50 };
  };

  for (const [what, make] of [['left created', created], ['failed to start', startError]] as const) {
    test(`${what}: removed and made again as the same attempt, without a crash back-off step`, () => {
      const dead = make(app);
      const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: sb, containers: [dead] }));
      assert.deepEqual(plan.removeContainers, [dead.id]);
      assert.deepEqual(starts(plan), ['app#0']);
      assert.equal(plan.start[0]!.replaces, undefined);
    });

    test(`${what} after runs: the attempt keeps its number, the run before it stays for --previous`, () => {
      const ran = [exited(app, 1, { restartCount: 0 }), exited(app, 1, { restartCount: 1 })];
      const dead = make(app, 2);
      const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: sb, containers: [...ran, dead] }));
      assert.deepEqual(starts(plan), ['app#2']);
      assert.deepEqual(plan.removeContainers.sort(), [ran[0]!.id, dead.id].sort());
    });
  }

  test('a start that failed in this life waits out the crash back-off it set', () => {
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: sb, containers: [startError(app)] }, { backoff: { app: 4_000 } }));
    assert.deepEqual(plan.start, []);
    assert.deepEqual(plan.removeContainers, []);
    assert.equal(plan.waiting.app?.reason, 'CrashLoopBackOff');
    assert.equal(plan.wakeAfterMs, 4_000);
  });

  test('behind a newer instance it is garbage, whatever the keep count', () => {
    const dead = created(app, 1);
    const ran = exited(app, 1, { restartCount: 0 });
    const running = inst(app, { restartCount: 1 });
    const plan = planPod(planInput(pod({ containers: [app] }), { sandboxes: sb, containers: [ran, dead, running] }));
    assert.deepEqual(plan.removeContainers, [dead.id]);
    assert.deepEqual(plan.start, []);
  });

  test('an init container or a sidecar left created is made again as the same attempt', () => {
    const p = pod({ initContainers: [init1, side], containers: [app] });
    const i = created(init1);
    assert.deepEqual(starts(planPod(planInput(p, { sandboxes: sb, containers: [i] }))), ['init1#0']);
    const s = created(side);
    const plan = planPod(planInput(p, { sandboxes: sb, containers: [exited(init1, 0), s] }));
    assert.deepEqual(starts(plan), ['side#0']);
    assert.deepEqual(plan.removeContainers, [s.id]);
  });

  test('restartPolicy Never: one left created still runs; a failed start fails the pod, as with the kubelet', () => {
    const p = pod({ containers: [app], restartPolicy: 'Never' });
    assert.deepEqual(starts(planPod(planInput(p, { sandboxes: sb, containers: [created(app)] }))), ['app#0']);
    const failed = planPod(planInput(p, { sandboxes: sb, containers: [startError(app)] }));
    assert.deepEqual(failed.start, []);
    assert.equal(failed.terminal?.phase, 'Failed');
  });
});
