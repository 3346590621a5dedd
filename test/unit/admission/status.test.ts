import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { computePodStatus } from '../../../src/status/index.js';
import { routeStatusRequest } from '../../../src/server/routes.js';
import { formatNode } from '../../../src/cli/commands/node.js';
import { PodAdmitter, type NodeAdmissionSummary } from '../../../src/admission/index.js';
import { FakeStatusProvider } from '../server/fake-provider.js';

const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const note = { reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 110, capacity: 110" };

describe('status of a pod waiting for admission', () => {
  test('Pending with the reason and message at pod level, no container statuses', () => {
    const s = computePodStatus({ pod, containers: [], waiting: {}, hostIP: '10.0.0.1', now: 1_000, admission: note });
    assert.equal(s.phase, 'Pending');
    assert.equal(s.reason, 'OutOfpods');
    assert.equal(s.message, note.message);
    assert.equal(s.containerStatuses, undefined);
  });
  test('once admitted the reason goes away', () => {
    const waiting = computePodStatus({ pod, containers: [], waiting: {}, hostIP: '10.0.0.1', now: 1_000, admission: note });
    const admitted = computePodStatus({ pod, containers: [], waiting: {}, hostIP: '10.0.0.1', now: 2_000, previous: waiting });
    assert.equal(admitted.phase, 'Pending');
    assert.equal(admitted.reason, undefined);
    assert.equal(admitted.message, undefined);
    assert.equal(admitted.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
  });
});

describe('/node and staticlet node', () => {
  const adm = new PodAdmitter({ node: { capacity: { cpu: 2000n, memory: 4n << 30n, pods: 1n }, allocatable: { cpu: 2000n, memory: 3n << 30n, pods: 1n } }, nodeName: 'n1', nodeLabels: { 'kubernetes.io/hostname': 'n1', zone: 'a' } });
  adm.admit({ uid: 'a', pod: { metadata: { name: 'a', namespace: 'default' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }] } }, seenAt: '2024-01-01T00:00:00Z' });
  adm.admit({ uid: 'b', pod: { metadata: { name: 'b', namespace: 'default' }, spec: { containers: [{ name: 'c' }] } }, seenAt: '2024-01-01T00:00:01Z' });

  test('the route serves the summary, 503 before it is known', () => {
    const provider = new FakeStatusProvider() as FakeStatusProvider & { node?: () => NodeAdmissionSummary | undefined };
    assert.equal(routeStatusRequest(provider, 'GET', '/node').status, 503);
    provider.node = () => adm.summary();
    const r = routeStatusRequest(provider, 'GET', '/node');
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body);
    assert.deepEqual(body.capacity, { cpu: '2', memory: '4Gi', pods: '1' });
    assert.deepEqual(body.allocatable, { cpu: '2', memory: '3Gi', pods: '1' });
    assert.deepEqual(body.requested, { cpu: '500m', pods: '1' });
    assert.equal(body.waiting[0].reason, 'OutOfpods');
  });

  test('the CLI prints capacity, allocatable, requests with percentages and waiting pods', () => {
    const text = formatNode(adm.summary());
    assert.match(text, /^Labels: +kubernetes\.io\/hostname=n1\n +zone=a\nCapacity:\n {2}cpu: {5}2\n/);
    assert.match(text, /Allocatable:\n(.*\n)* {2}memory: +3Gi\n/);
    assert.match(text, / {2}cpu +500m \(25%\)\n/);
    assert.match(text, / {2}memory +0 \(0%\)\n/);
    assert.match(text, / {2}pods +1 \(100%\)\n/);
    assert.match(text, /Waiting for admission:\n.*\n.*\n {2}default\/b +OutOfpods +Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1\n/);
  });
});
