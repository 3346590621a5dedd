import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeResources } from '../../../src/admission/index.js';
import { Backoff, leaseBackoff, registrationBackoff } from '../../../src/controlplane/backoff.js';
import { initialNode, nodeImages, nodeStatus, reconcileExisting, runtimeErrors, statusChanged, toJson, type NodeFacts, type RuntimeFacts } from '../../../src/controlplane/node-object.js';
import { NodeStatusReporter } from '../../../src/controlplane/node-status.js';
import { TokenBucket } from '../../../src/controlplane/rate-limit.js';
import { kubeletVersion, userAgent } from '../../../src/controlplane/version.js';
import { OnceLogger } from '../../../src/controlplane/backoff.js';
import { nodeLabels } from '../../../src/node/labels.js';
import type { CoreV1Api } from '@kubernetes/client-node';

const resources: NodeResources = {
  capacity: { cpu: 4000n, memory: 8n * 1024n ** 3n, pods: 110n, 'ephemeral-storage': 100n * 1024n ** 3n },
  allocatable: { cpu: 4000n, memory: 8n * 1024n ** 3n - 100n * 1024n ** 2n, pods: 110n, 'ephemeral-storage': 90n * 1024n ** 3n },
} as unknown as NodeResources;

const facts: NodeFacts = {
  nodeName: 'node-1',
  nodeIP: '10.0.0.5',
  port: 10250,
  labels: nodeLabels('node-1', { role: 'edge' }),
  taints: [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }],
  machine: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64' },
  resources,
  maxImages: 2,
};
const up: RuntimeFacts = {
  version: { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.7.20', runtimeApiVersion: 'v1' },
  status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], info: {} },
  images: [
    { id: 'a', repoTags: ['small:1'], repoDigests: [], size: 10, username: '', pinned: false },
    { id: 'b', repoTags: ['big:1'], repoDigests: ['big@sha256:1'], size: 300, username: '', pinned: false },
    { id: 'c', repoTags: ['mid:1'], repoDigests: [], size: 100, username: '', pinned: false },
  ],
};

test('initial node: labels, annotation, taints, conditions, addresses, nodeInfo, images', () => {
  const n = initialNode(facts, up, Date.parse('2026-01-01T00:00:00.700Z'));
  assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], 'node-1');
  assert.equal(n.metadata.labels?.['beta.kubernetes.io/os'], 'linux');
  assert.equal(n.metadata.labels?.role, 'edge');
  assert.equal(n.metadata.annotations?.['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
  assert.deepEqual(n.spec?.taints, facts.taints);
  const s = n.status!;
  assert.deepEqual(s.conditions?.map((c) => [c.type, c.status, c.reason]), [
    ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
    ['Ready', 'True', 'KubeletReady'],
  ]);
  assert.equal(s.conditions?.[3]?.message, 'kubelet is posting ready status');
  assert.equal(s.conditions?.[0]?.lastHeartbeatTime, '2026-01-01T00:00:00Z');
  assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'node-1' }]);
  assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(s.nodeInfo?.containerRuntimeVersion, 'containerd://1.7.20');
  assert.match(s.nodeInfo?.kubeletVersion ?? '', /^v1\.36\.0\+staticlet\.\d+\.\d+\.\d+$/);
  assert.equal(s.nodeInfo?.kubeProxyVersion, '');
  assert.deepEqual(s.images, [{ names: ['big@sha256:1', 'big:1'], sizeBytes: 300 }, { names: ['mid:1'], sizeBytes: 100 }]);
  assert.equal(s.capacity?.cpu, '4');
  assert.equal(kubeletVersion(), s.nodeInfo?.kubeletVersion);
  assert.match(userAgent(), /^staticlet\/\d+\.\d+\.\d+ \(linux\/[a-z0-9]+\)$/);
});

test('images: -1 lists all, 0 none, at most five names each', () => {
  assert.equal(nodeImages(up.images!, -1).length, 3);
  assert.deepEqual(nodeImages(up.images!, 0), []);
  const many = { id: 'x', repoTags: ['t1', 't2', 't3'], repoDigests: ['d1', 'd2', 'd3'], size: 1, username: '', pinned: false };
  assert.deepEqual(nodeImages([many], 5)[0]?.names, ['d1', 'd2', 'd3', 't1', 't2']);
});

test('Ready=False with the runtime reason while it is down; transition time moves only on change', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const s0 = nodeStatus(facts, up, undefined, t0);
  const down: RuntimeFacts = { status: new Error('connection refused') };
  const s1 = nodeStatus(facts, down, s0, t0 + 10_000);
  const ready = s1.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'KubeletNotReady');
  assert.match(ready?.message ?? '', /container runtime is down: connection refused/);
  assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:10Z');
  assert.equal(s1.conditions?.[0]?.lastTransitionTime, '2026-01-01T00:00:00Z', 'MemoryPressure did not transition');
  assert.deepEqual(runtimeErrors({ conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni not initialized' }], info: {} }), [
    'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni not initialized',
  ]);
});

test('status diff: a heartbeat-only change is no change; anything else is', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const s0 = nodeStatus(facts, up, undefined, t0);
  const s1 = nodeStatus(facts, up, s0, t0 + 10_000);
  assert.notEqual(s1.conditions?.[3]?.lastHeartbeatTime, s0.conditions?.[3]?.lastHeartbeatTime);
  assert.equal(statusChanged(s0, s1), false);
  const reordered = { ...s1, conditions: [...s1.conditions!].reverse() };
  assert.equal(statusChanged(s0, reordered), false, 'conditions are compared by type');
  assert.equal(statusChanged(s0, nodeStatus(facts, { ...up, images: [] }, s0, t0 + 10_000)), true);
  assert.equal(statusChanged(s0, nodeStatus(facts, { status: new Error('x') }, s0, t0 + 10_000)), true);
});

test('an existing node gets the default labels and annotation back, nothing else', () => {
  const wanted = initialNode(facts, up, 0);
  const existing = { metadata: { name: 'node-1', uid: 'u', labels: { 'kubernetes.io/hostname': 'old', custom: 'kept' } }, status: {} };
  const r = reconcileExisting(existing, wanted)!;
  assert.equal(r.metadata.labels?.['kubernetes.io/hostname'], 'node-1');
  assert.equal(r.metadata.labels?.custom, 'kept');
  assert.equal(r.metadata.labels?.role, undefined, '--node-labels are not forced onto an existing node');
  assert.equal(r.metadata.annotations?.['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
  assert.equal(reconcileExisting(r, wanted), undefined);
});

test('toJson: Dates become RFC 3339 seconds', () => {
  const j = toJson({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date('2026-01-01T00:00:01.500Z') }] } });
  assert.equal(j.status?.conditions?.[0]?.lastHeartbeatTime, '2026-01-01T00:00:01Z');
});

test('back-off sequences: registration 100 ms → 7 s, lease 200 ms → 7 s', () => {
  const seq = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());
  assert.deepEqual(seq(registrationBackoff(), 9), [100, 200, 400, 800, 1600, 3200, 6400, 7000, 7000]);
  assert.deepEqual(seq(leaseBackoff(), 8), [200, 400, 800, 1600, 3200, 6400, 7000, 7000]);
});

test('token bucket: burst at once, then qps', () => {
  let now = 0;
  const b = new TokenBucket(2, 3, () => now);
  assert.deepEqual([b.reserve(), b.reserve(), b.reserve()], [0, 0, 0]);
  assert.equal(b.reserve(), 500);
  now = 2_000;
  assert.equal(b.reserve(), 0);
});

test('status reporter: no PATCH while only heartbeats change; PATCH on change or report period', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let rt: RuntimeFacts = up;
  const bodies: unknown[] = [];
  const core = {
    patchNodeStatus: async ({ body }: { body: Record<string, unknown> }) => {
      bodies.push(body);
      // What the server holds after the patch: the status the reporter computed.
      current = { ...current, status: nodeStatus(facts, rt, current.status, now) };
      return current;
    },
    readNode: async () => current,
  } as unknown as CoreV1Api;
  let current = initialNode(facts, up, now);
  const silent = { warn: () => undefined, info: () => undefined };
  const r = new NodeStatusReporter({ core, facts, probe: async () => rt, reportFrequencyMs: 60_000, log: new OnceLogger(silent), now: () => now, random: () => 0.5 });
  r.node = current;
  r.lastReport = now;
  now += 10_000;
  assert.equal(await r.tryUpdate(0), 'unchanged');
  now += 10_000;
  rt = { status: new Error('down') };
  assert.equal(await r.tryUpdate(0), 'patched');
  const patch = bodies[0] as { status: { conditions: Array<{ type: string }> } };
  assert.ok(patch.status.conditions.some((c) => c.type === 'Ready'));
  now += 10_000;
  assert.equal(await r.tryUpdate(0), 'unchanged', 'still down, nothing new');
  now += 61_000;
  assert.equal(await r.tryUpdate(0), 'patched', 'report frequency passed');
});

test('token bucket take(): waiters beyond the burst are spaced by 1/qps, in order', async () => {
  const b = new TokenBucket(20, 2);
  const start = Date.now();
  const done: Array<[number, number]> = [];
  await Promise.all([0, 1, 2, 3].map((i) => b.take().then(() => done.push([i, Date.now() - start]))));
  assert.deepEqual(done.map(([i]) => i), [0, 1, 2, 3]);
  assert.ok(done[1]![1] < 30, 'the burst goes at once');
  assert.ok(done[3]![1] >= 90, `two beyond the burst wait ~100 ms (${done[3]![1]} ms)`);
});
