import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodStatus } from '../../../src/api/generated/core-v1.js';
import { computePodStatus } from '../../../src/status/index.js';
import { ctr, inst, obs, pod, sec, sidecar } from './fakes.js';

function cond(s: PodStatus, type: string): { status: string; reason?: string; message?: string } | undefined {
  const c = s.conditions?.find((x) => x.type === type);
  return c === undefined ? undefined : { status: c.status, ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.message !== undefined ? { message: c.message } : {}) };
}

describe('phase (kubelet getPhase)', () => {
  const table: Array<{ name: string; status: () => PodStatus; phase: string }> = [
    {
      name: 'running app container',
      status: () => computePodStatus(obs(pod(), [inst('app').running(2)])),
      phase: 'Running',
    },
    {
      name: 'nothing created yet',
      status: () => computePodStatus(obs(pod(), [])),
      phase: 'Pending',
    },
    {
      name: 'Never + exit 0',
      status: () => computePodStatus(obs(pod({ restartPolicy: 'Never' }), [inst('app').exited(0, 2, 5)])),
      phase: 'Succeeded',
    },
    {
      name: 'Never + exit 1',
      status: () => computePodStatus(obs(pod({ restartPolicy: 'Never' }), [inst('app').exited(1, 2, 5)])),
      phase: 'Failed',
    },
    {
      name: 'OnFailure + exit 0',
      status: () => computePodStatus(obs(pod({ restartPolicy: 'OnFailure' }), [inst('app').exited(0, 2, 5)])),
      phase: 'Succeeded',
    },
    {
      name: 'OnFailure + exit 1 (being restarted)',
      status: () => computePodStatus(obs(pod({ restartPolicy: 'OnFailure' }), [inst('app').exited(1, 2, 5)])),
      phase: 'Running',
    },
    {
      name: 'Always + exited, no verdict yet',
      status: () => computePodStatus(obs(pod(), [inst('app').exited(0, 2, 5)])),
      phase: 'Running',
    },
    {
      name: 'crash-looping (CrashLoopBackOff with lastState)',
      status: () =>
        computePodStatus(
          obs(pod(), [inst('app', 3).created(40).exited(1, 41, 42), inst('app', 2).created(20).exited(1, 21, 22)], {
            waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app' } },
          }),
        ),
      phase: 'Running',
    },
    {
      name: 'ErrImagePull before any run',
      status: () => computePodStatus(obs(pod(), [], { waiting: { app: { reason: 'ErrImagePull', message: 'not found' } } })),
      phase: 'Pending',
    },
    {
      name: 'ImagePullBackOff before any run',
      status: () => computePodStatus(obs(pod(), [], { waiting: { app: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } })),
      phase: 'Pending',
    },
    {
      name: 'InvalidImageName',
      status: () => computePodStatus(obs(pod(), [], { waiting: { app: { reason: 'InvalidImageName' } } })),
      phase: 'Pending',
    },
    {
      name: 'Never + one running, one succeeded',
      status: () =>
        computePodStatus(obs(pod({ restartPolicy: 'Never', containers: [ctr('a'), ctr('b')] }), [inst('a').running(2), inst('b').exited(0, 2, 3)])),
      phase: 'Running',
    },
    {
      name: 'Never + one succeeded, one failed',
      status: () =>
        computePodStatus(obs(pod({ restartPolicy: 'Never', containers: [ctr('a'), ctr('b')] }), [inst('a').exited(0, 2, 3), inst('b').exited(2, 2, 3)])),
      phase: 'Failed',
    },
  ];
  for (const row of table) {
    it(`${row.name} → ${row.phase}`, () => {
      assert.equal(row.status().phase, row.phase);
    });
  }

  it('init container running → Pending, Initialized False, app waits PodInitializing', () => {
    const p = pod({ initContainers: [ctr('setup')] });
    const s = computePodStatus(obs(p, [inst('setup').running(2)]));
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(cond(s, 'Initialized'), {
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [setup]',
    });
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    assert.equal(s.initContainerStatuses?.[0]?.ready, false);
  });

  it('init container succeeded → its status is ready and the pod initialized', () => {
    const p = pod({ initContainers: [ctr('setup')] });
    const s = computePodStatus(obs(p, [inst('setup').created(1).exited(0, 2, 3), inst('app').created(4).running(5)]));
    assert.equal(s.phase, 'Running');
    assert.equal(s.initContainerStatuses?.[0]?.ready, true);
    assert.equal(s.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.equal(cond(s, 'Initialized')?.status, 'True');
  });

  it('failed init container under Never → Failed', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [ctr('setup')] });
    const s = computePodStatus(obs(p, [inst('setup').exited(1, 2, 3)]));
    assert.equal(s.phase, 'Failed');
    assert.equal(s.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Error');
  });

  it('failed init container under Always → Pending (Init:CrashLoopBackOff)', () => {
    const p = pod({ initContainers: [ctr('setup')] });
    const s = computePodStatus(
      obs(p, [inst('setup', 1).created(10).exited(1, 11, 12), inst('setup', 0).created(1).exited(1, 2, 3)], {
        waiting: { setup: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=setup' } },
      }),
    );
    assert.equal(s.phase, 'Pending');
    const init = s.initContainerStatuses?.[0];
    assert.equal(init?.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(init?.lastState?.terminated?.exitCode, 1);
    assert.equal(init?.restartCount, 1);
    assert.equal(cond(s, 'Initialized')?.status, 'False');
  });

  it('failed init container under OnFailure → Pending', () => {
    const p = pod({ restartPolicy: 'OnFailure', initContainers: [ctr('setup')] });
    assert.equal(computePodStatus(obs(p, [inst('setup').exited(1, 2, 3)])).phase, 'Pending');
  });

  it('sidecar running + app running → Running', () => {
    const p = pod({ initContainers: [sidecar('proxy')] });
    const s = computePodStatus(obs(p, [inst('proxy').created(1).running(2), inst('app').created(3).running(4)]));
    assert.equal(s.phase, 'Running');
    assert.equal(s.initContainerStatuses?.[0]?.ready, true);
    assert.equal(s.initContainerStatuses?.[0]?.started, true);
    assert.equal(cond(s, 'ContainersReady')?.status, 'True');
  });

  it('sidecar not started yet (startup probe pending) → Pending, Initialized False', () => {
    const p = pod({ initContainers: [sidecar('proxy')] });
    const s = computePodStatus(obs(p, [inst('proxy').running(2)], { probes: { started: { proxy: false } } }));
    assert.equal(s.phase, 'Pending');
    assert.equal(s.initContainerStatuses?.[0]?.started, false);
    assert.equal(s.initContainerStatuses?.[0]?.ready, false);
    assert.deepEqual(cond(s, 'Initialized'), {
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [proxy]',
    });
  });

  it('sidecar restarted after the app started, startup probe pending → still Running', () => {
    const p = pod({ initContainers: [sidecar('proxy')] });
    const s = computePodStatus(
      obs(p, [inst('proxy', 0).created(1).exited(1, 2, 20), inst('proxy', 1).created(30).running(31), inst('app').created(3).running(4)], {
        probes: { started: { proxy: false } },
      }),
    );
    assert.equal(s.phase, 'Running');
    assert.equal(cond(s, 'Initialized')?.status, 'True');
    assert.deepEqual(cond(s, 'ContainersReady'), {
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [proxy]',
    });
  });

  it('sidecar crash-looping after the app started → Running', () => {
    const p = pod({ initContainers: [sidecar('proxy')] });
    const s = computePodStatus(
      obs(p, [inst('proxy', 2).created(30).exited(1, 31, 32), inst('app').created(3).running(4)], {
        waiting: { proxy: { reason: 'CrashLoopBackOff' } },
      }),
    );
    assert.equal(s.phase, 'Running');
    assert.equal(s.initContainerStatuses?.[0]?.state?.waiting?.reason, 'CrashLoopBackOff');
  });

  it('sidecar running but not started before any app container → Pending', () => {
    const p = pod({ initContainers: [sidecar('proxy')] });
    const s = computePodStatus(obs(p, [inst('proxy').created(1).running(2)], { probes: { started: { proxy: false } } }));
    assert.equal(s.phase, 'Pending');
  });

  it('a stopped sidecar does not decide the phase', () => {
    const p = pod({ restartPolicy: 'Never', initContainers: [sidecar('proxy')] });
    const s = computePodStatus(obs(p, [inst('proxy').created(1).exited(137, 2, 9), inst('app').created(3).exited(0, 4, 8)]));
    assert.equal(s.phase, 'Succeeded');
  });

  it('a terminal verdict forces the phase and carries reason and message', () => {
    const s = computePodStatus(
      obs(pod({ activeDeadlineSeconds: 30 }), [inst('app').running(2)], {
        terminal: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' },
      }),
    );
    assert.equal(s.phase, 'Failed');
    assert.equal(s.reason, 'DeadlineExceeded');
    assert.equal(s.message, 'Pod was active on the node longer than the specified deadline');
    assert.deepEqual(cond(s, 'Ready'), { status: 'False', reason: 'PodFailed' });
    assert.deepEqual(cond(s, 'ContainersReady'), { status: 'False', reason: 'PodFailed' });
  });

  it('a terminal verdict of Succeeded marks the conditions PodCompleted', () => {
    const s = computePodStatus(obs(pod({ restartPolicy: 'Never' }), [inst('app').exited(0, 2, 3)], { terminal: { phase: 'Succeeded' } }));
    assert.equal(s.phase, 'Succeeded');
    assert.equal(s.reason, undefined);
    assert.deepEqual(cond(s, 'Ready'), { status: 'False', reason: 'PodCompleted' });
    assert.deepEqual(cond(s, 'Initialized'), { status: 'True', reason: 'PodCompleted' });
  });

  it('a terminal previous phase is never left, and keeps its reason', () => {
    const first = computePodStatus(
      obs(pod(), [inst('app').running(2)], { terminal: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'too long' } }),
    );
    const again = computePodStatus(obs(pod(), [inst('app').running(2)], { previous: first, now: sec(300) }));
    assert.equal(again.phase, 'Failed');
    assert.equal(again.reason, 'DeadlineExceeded');
    assert.equal(again.message, 'too long');
  });
});
