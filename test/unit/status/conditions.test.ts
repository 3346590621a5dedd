import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodCondition, PodStatus } from '../../../src/api/generated/core-v1.js';
import { computePodStatus, podIsInitialized } from '../../../src/status/index.js';
import { ctr, inst, iso, obs, pod, sandbox, sec } from './fakes.js';

function byType(s: PodStatus): Record<string, PodCondition> {
  return Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c]));
}

describe('pod conditions', () => {
  it('lists the kubelet conditions in its order, PodScheduled always True', () => {
    const s = computePodStatus(obs(pod(), [inst('app').running(2)]));
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    for (const c of s.conditions ?? []) assert.equal(c.lastTransitionTime, iso(100));
  });

  it('names unready containers like the kubelet', () => {
    const p = pod({ containers: [ctr('b'), ctr('a'), ctr('c')] });
    const s = computePodStatus(obs(p, [inst('a').running(1), inst('b').running(1), inst('c').running(1)], { probes: { ready: { a: false, b: false } } }));
    const c = byType(s);
    assert.equal(c.ContainersReady?.status, 'False');
    assert.equal(c.ContainersReady?.reason, 'ContainersNotReady');
    assert.equal(c.ContainersReady?.message, 'containers with unready status: [b a]');
    assert.equal(c.Ready?.reason, 'ContainersNotReady');
    assert.equal(c.Ready?.message, 'containers with unready status: [b a]');
  });

  it('carries lastTransitionTime over while a condition keeps its status', () => {
    const first = computePodStatus(obs(pod(), [inst('app').running(2)], { now: sec(100) }));
    const same = computePodStatus(obs(pod(), [inst('app').running(2)], { now: sec(200), previous: first }));
    for (const c of same.conditions ?? []) assert.equal(c.lastTransitionTime, iso(100), c.type);

    const flipped = computePodStatus(obs(pod(), [inst('app').running(2)], { now: sec(300), previous: same, probes: { ready: { app: false } } }));
    const c = byType(flipped);
    assert.equal(c.Ready?.lastTransitionTime, iso(300));
    assert.equal(c.ContainersReady?.lastTransitionTime, iso(300));
    assert.equal(c.Initialized?.lastTransitionTime, iso(100));
    assert.equal(c.PodScheduled?.lastTransitionTime, iso(100));
    assert.equal(c.PodReadyToStartContainers?.lastTransitionTime, iso(100));
  });

  it('truncates times to whole seconds', () => {
    const s = computePodStatus(obs(pod(), [inst('app').running(2)], { now: sec(100) + 999 }));
    assert.equal(byType(s).Ready?.lastTransitionTime, iso(100));
  });

  describe('PodReadyToStartContainers', () => {
    const ready = (extra: Parameters<typeof obs>[2], spec = {}): string | undefined =>
      byType(computePodStatus(obs(pod(spec), [], extra))).PodReadyToStartContainers?.status;

    it('False without a sandbox, with a stopped one, or a pod-network one without an address', () => {
      assert.equal(ready({ sandbox: undefined }), 'False');
      assert.equal(ready({ sandbox: sandbox({ state: 'notready' }) }), 'False');
      assert.equal(ready({ sandbox: sandbox({ ip: '' }) }), 'False');
    });

    it('False when the sandbox network mode does not match the pod', () => {
      assert.equal(ready({ sandbox: sandbox({ namespaceOptions: { network: 'POD' } }) }, { hostNetwork: true }), 'False');
    });

    it('True for a ready host-network sandbox without an address', () => {
      assert.equal(ready({ sandbox: sandbox({ ip: '', namespaceOptions: { network: 'NODE' } }) }, { hostNetwork: true }), 'True');
    });
  });

  describe('readiness gates', () => {
    it('a gate without its condition keeps the pod unready', () => {
      const p = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
      const c = byType(computePodStatus(obs(p, [inst('app').running(2)])));
      assert.equal(c.ContainersReady?.status, 'True');
      assert.equal(c.Ready?.status, 'False');
      assert.equal(c.Ready?.reason, 'ReadinessGatesNotReady');
      assert.equal(c.Ready?.message, 'corresponding condition of pod readiness gate "example.com/lb" does not exist.');
    });

    it('a True gate condition on the pod lets it become ready, and is kept first', () => {
      const p = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
      p.status = { conditions: [{ type: 'example.com/lb', status: 'True', lastTransitionTime: iso(5) }] };
      const s = computePodStatus(obs(p, [inst('app').running(2)]));
      assert.equal(byType(s).Ready?.status, 'True');
      assert.deepEqual(s.conditions?.[0], { type: 'example.com/lb', status: 'True', lastTransitionTime: iso(5) });
    });

    it('a False gate condition is reported with its status', () => {
      const p = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
      p.status = { conditions: [{ type: 'example.com/lb', status: 'False' }] };
      const c = byType(computePodStatus(obs(p, [inst('app').running(2)])));
      assert.equal(c.Ready?.message, 'the status of pod readiness gate "example.com/lb" is not "True", but False');
    });
  });

  it('podIsInitialized reads the Initialized condition', () => {
    const p = pod({ initContainers: [ctr('setup')] });
    assert.equal(podIsInitialized(computePodStatus(obs(p, [inst('setup').running(1)]))), false);
    assert.equal(podIsInitialized(computePodStatus(obs(p, [inst('setup').exited(0, 1, 2)]))), true);
    assert.equal(podIsInitialized(undefined), false);
  });

  it('sets observedGeneration when the pod has a generation', () => {
    const p = pod();
    p.metadata = { ...p.metadata, generation: 3 };
    const s = computePodStatus(obs(p, [inst('app').running(2)]));
    assert.equal(s.observedGeneration, 3);
    assert.ok(s.conditions?.every((c) => c.observedGeneration === 3));
    const none = computePodStatus(obs(pod(), [inst('app').running(2)]));
    assert.equal(none.observedGeneration, undefined);
    assert.ok(none.conditions?.every((c) => c.observedGeneration === undefined));
  });
});
