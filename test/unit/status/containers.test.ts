import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus, PodStatus } from '../../../src/api/generated/core-v1.js';
import { computePodStatus } from '../../../src/status/index.js';
import { ctr, inst, iso, obs, pod, sidecar } from './fakes.js';

function app(s: PodStatus, name = 'app'): ContainerStatus {
  const c = s.containerStatuses?.find((x) => x.name === name);
  assert.ok(c, `no status for ${name}`);
  return c;
}

describe('container statuses', () => {
  it('a running instance: state, IDs, image, restart count, ready and started', () => {
    const s = computePodStatus(obs(pod(), [inst('app', 2).id('abc').running(2)]));
    assert.deepEqual(app(s), {
      name: 'app',
      state: { running: { startedAt: iso(2) } },
      lastState: {},
      ready: true,
      restartCount: 2,
      image: 'nginx:1.27',
      imageID: 'sha256:app',
      containerID: 'containerd://abc',
      started: true,
      resources: {},
    });
  });

  it('uses the runtime name given in the options for container IDs', () => {
    const s = computePodStatus(obs(pod(), [inst('app').id('abc').running(2)]), { runtimeName: 'cri-o' });
    assert.equal(app(s).containerID, 'cri-o://abc');
  });

  it('the instance before the newest supplies lastState', () => {
    const s = computePodStatus(
      obs(pod(), [inst('app', 0).id('old').created(1).exited(2, 2, 9, 'Error').message('boom'), inst('app', 1).id('new').created(10).running(11)]),
    );
    const c = app(s);
    assert.equal(c.restartCount, 1);
    assert.deepEqual(c.state, { running: { startedAt: iso(11) } });
    assert.deepEqual(c.lastState, {
      terminated: { exitCode: 2, reason: 'Error', message: 'boom', startedAt: iso(2), finishedAt: iso(9), containerID: 'containerd://old' },
    });
  });

  it('names an exit without a runtime reason Completed or Error, and keeps a runtime reason', () => {
    const p = pod({ restartPolicy: 'Never', containers: [ctr('a'), ctr('b'), ctr('c')] });
    const s = computePodStatus(obs(p, [inst('a').exited(0, 1, 2), inst('b').exited(3, 1, 2), inst('c').exited(137, 1, 2, 'OOMKilled')]));
    assert.equal(app(s, 'a').state?.terminated?.reason, 'Completed');
    assert.equal(app(s, 'b').state?.terminated?.reason, 'Error');
    assert.equal(app(s, 'c').state?.terminated?.reason, 'OOMKilled');
    assert.equal(app(s, 'c').ready, false);
    assert.equal(app(s, 'c').started, false);
  });

  it('a waiting verdict replaces an exited state, which moves to lastState', () => {
    const s = computePodStatus(
      obs(pod(), [inst('app', 4).id('last').exited(1, 50, 51)], {
        waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app' } },
      }),
    );
    const c = app(s);
    assert.deepEqual(c.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app' } });
    assert.equal(c.lastState?.terminated?.exitCode, 1);
    assert.equal(c.lastState?.terminated?.containerID, 'containerd://last');
    assert.equal(c.containerID, 'containerd://last');
    assert.equal(c.restartCount, 4);
    assert.equal(c.ready, false);
  });

  it('a stale waiting verdict does not hide a running container', () => {
    const s = computePodStatus(obs(pod(), [inst('app').running(2)], { waiting: { app: { reason: 'CrashLoopBackOff' } } }));
    assert.ok(app(s).state?.running);
  });

  it('a waiting verdict does not apply to a container that will not be restarted', () => {
    const s = computePodStatus(
      obs(pod({ restartPolicy: 'Never' }), [inst('app').exited(1, 2, 3)], { waiting: { app: { reason: 'CrashLoopBackOff' } } }),
    );
    assert.equal(app(s).state?.terminated?.exitCode, 1);
    assert.equal(s.phase, 'Failed');
  });

  it('nothing known: ContainerCreating, or PodInitializing when the pod has init containers', () => {
    const plain = computePodStatus(obs(pod(), []));
    assert.deepEqual(app(plain).state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(app(plain).imageID, '');
    assert.equal(app(plain).containerID, undefined);
    const withInit = computePodStatus(obs(pod({ initContainers: [ctr('setup')] }), []));
    assert.deepEqual(withInit.initContainerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    assert.deepEqual(app(withInit).state, { waiting: { reason: 'PodInitializing' } });
  });

  it('a created but not started instance is waiting without a reason', () => {
    const s = computePodStatus(obs(pod(), [inst('app')]));
    assert.deepEqual(app(s).state, { waiting: {} });
  });

  it('readiness and startup verdicts', () => {
    const notReady = computePodStatus(obs(pod(), [inst('app').running(2)], { probes: { ready: { app: false } } }));
    assert.equal(app(notReady).ready, false);
    assert.equal(app(notReady).started, true);
    const notStarted = computePodStatus(obs(pod(), [inst('app').running(2)], { probes: { ready: { app: true }, started: { app: false } } }));
    assert.equal(app(notStarted).started, false);
    assert.equal(app(notStarted).ready, false, 'not ready before the startup probe passed');
  });

  it('app statuses are sorted by name, init statuses follow the spec', () => {
    const p = pod({ containers: [ctr('zeta'), ctr('alpha')], initContainers: [ctr('second'), ctr('first')] });
    const s = computePodStatus(obs(p, []));
    assert.deepEqual(s.containerStatuses?.map((c) => c.name), ['alpha', 'zeta']);
    assert.deepEqual(s.initContainerStatuses?.map((c) => c.name), ['second', 'first']);
  });

  it('ignores instances of containers not in the spec', () => {
    const s = computePodStatus(obs(pod(), [inst('gone').running(1), inst('app').running(2)]));
    assert.deepEqual(s.containerStatuses?.map((c) => c.name), ['app']);
  });

  it('reports volume mounts, read-only ones without recursive read-only', () => {
    const p = pod({
      containers: [ctr('app', { volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/cfg', readOnly: true }] })],
    });
    const s = computePodStatus(obs(p, []));
    assert.deepEqual(app(s).volumeMounts, [
      { name: 'data', mountPath: '/data' },
      { name: 'cfg', mountPath: '/etc/cfg', readOnly: true, recursiveReadOnly: 'Disabled' },
    ]);
  });

  it('reports defaulted resources for containers that have an instance', () => {
    const p = pod({ containers: [ctr('app', { resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } } })] });
    const c = app(computePodStatus(obs(p, [inst('app').running(2)])));
    assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    assert.deepEqual(c.allocatedResources, { cpu: '100m', memory: '64Mi' });
  });

  it('shares the 12 KiB termination message budget between containers', () => {
    const p = pod({ restartPolicy: 'Never', containers: [ctr('a'), ctr('b'), ctr('c')] });
    const long = 'x'.repeat(10_000);
    const s = computePodStatus(obs(p, [inst('a').exited(1, 1, 2).message(long), inst('b').running(1), inst('c').running(1)]));
    assert.equal(app(s, 'a').state?.terminated?.message?.length, 4096);
  });

  it('cuts termination messages on a character boundary', () => {
    const p = pod({ restartPolicy: 'Never', containers: Array.from({ length: 4 }, (_, i) => ctr(`c${i}`)) });
    const msg = 'é'.repeat(2000); // 4000 bytes, budget 3072
    const s = computePodStatus(obs(p, [inst('c0').exited(1, 1, 2).message(msg)]));
    const got = app(s, 'c0').state?.terminated?.message ?? '';
    assert.equal(Buffer.byteLength(got), 3072);
    assert.ok(!got.includes('\uFFFD'));
  });

  describe('with a previous status', () => {
    it('keeps a terminated status whose instance was removed', () => {
      const first = computePodStatus(obs(pod({ restartPolicy: 'Never' }), [inst('app').id('x').exited(0, 2, 3)]));
      const later = computePodStatus(obs(pod({ restartPolicy: 'Never' }), [], { previous: first }));
      assert.deepEqual(app(later).state, app(first).state);
      assert.equal(later.phase, 'Succeeded');
    });

    it('a running container that vanished keeps the pod Running with an unknown last state', () => {
      const first = computePodStatus(obs(pod(), [inst('app', 2).running(2)]));
      const later = computePodStatus(obs(pod(), [], { previous: first }));
      const c = app(later);
      assert.deepEqual(c.state, { waiting: { reason: 'ContainerCreating' } });
      assert.equal(c.lastState?.terminated?.reason, 'ContainerStatusUnknown');
      assert.equal(c.lastState?.terminated?.exitCode, 137);
      assert.equal(c.restartCount, 3);
      assert.equal(later.phase, 'Running');
    });

    it('an instance in unknown state that was running is reported terminated', () => {
      const first = computePodStatus(obs(pod(), [inst('app', 1).id('a').running(2)]));
      const later = computePodStatus(obs(pod(), [inst('app', 1).id('a').unknown()], { previous: first }));
      const c = app(later);
      assert.equal(c.state?.terminated?.reason, 'ContainerStatusUnknown');
      assert.equal(c.state?.terminated?.exitCode, 137);
      assert.equal(c.restartCount, 2);
    });

    it('carries restart count and lastState while nothing is known of the runtime', () => {
      const first = computePodStatus(
        obs(pod(), [inst('app', 5).exited(1, 2, 3)], { waiting: { app: { reason: 'CrashLoopBackOff' } } }),
      );
      const later = computePodStatus(obs(pod(), [], { previous: first, waiting: { app: { reason: 'ErrImagePull' } } }));
      const c = app(later);
      assert.equal(c.restartCount, 5);
      assert.equal(c.lastState?.terminated?.exitCode, 1);
      assert.deepEqual(c.state, { waiting: { reason: 'ErrImagePull' } });
      assert.equal(later.phase, 'Running', 'stopped after a run, not waiting for a first start');
    });
  });

  describe('init containers', () => {
    it('a removed plain init container counts as completed once an app container exists', () => {
      const p = pod({ initContainers: [ctr('setup')] });
      const s = computePodStatus(obs(p, [inst('app').running(5)]));
      const init = s.initContainerStatuses?.[0];
      assert.equal(init?.state?.terminated?.exitCode, 0);
      assert.equal(init?.state?.terminated?.reason, 'Completed');
      assert.equal(init?.ready, true);
      assert.equal(s.phase, 'Running');
    });

    it('a removed sidecar stays waiting', () => {
      const p = pod({ initContainers: [sidecar('proxy')] });
      const s = computePodStatus(obs(p, [inst('app').running(5)]));
      assert.deepEqual(s.initContainerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    });

    it('a verdict does not apply to an init container that succeeded', () => {
      const p = pod({ initContainers: [ctr('setup')] });
      const s = computePodStatus(obs(p, [inst('setup').exited(0, 1, 2)], { waiting: { setup: { reason: 'CrashLoopBackOff' } } }));
      assert.equal(s.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
    });

    it('a running plain init container is started but not ready', () => {
      const p = pod({ initContainers: [ctr('setup')] });
      const s = computePodStatus(obs(p, [inst('setup').running(1)]));
      assert.equal(s.initContainerStatuses?.[0]?.started, true);
      assert.equal(s.initContainerStatuses?.[0]?.ready, false);
    });
  });
});
