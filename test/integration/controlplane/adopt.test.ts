// The control plane against the emulator with a stand-in runtime (no containerd): an existing
// Node is adopted and its default labels reconciled, Ready follows the runtime, a Lease changed
// behind staticlet's back (409) is refetched and renewed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { readNodeResources } from '../../../src/admission/index.js';
import { resolveSettings } from '../../../src/config/settings.js';
import { ApiServerControlPlane } from '../../../src/controlplane/controller.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { RuntimeClient, RuntimeStatus } from '../../../src/runtime/index.js';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { eventually } from '../../helpers/manifests.js';

const NODE = 'node-a';
const UP: RuntimeStatus = { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], info: {} };

interface NodeObj {
  metadata: { uid?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

describe('control plane with a stand-in runtime', { timeout: 60_000 }, () => {
  let api: ApiServer;
  let cp: ApiServerControlPlane;
  let dir: string;
  let status: RuntimeStatus | Error = UP;
  let pressure = { memory: false, disk: false, pid: false };
  const node = () => api.get('Node', undefined, NODE) as unknown as NodeObj | undefined;
  const ready = () => node()?.status?.conditions?.find((c) => c.type === 'Ready');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'staticlet-cp-'));
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } } });
    // A Node left by an earlier install: wrong hostname label, no attach-detach annotation.
    api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': 'stale', custom: 'kept' } } });
    const settings = resolveSettings({ hostnameOverride: NODE, rootDir: dir, nodeIp: '10.9.8.7', kubeconfig: await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] }) });
    Object.assign(settings, { nodeStatusUpdateFrequencyMs: 300, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 2 });
    const runtime = new Proxy({} as RuntimeClient, {
      get(_t, prop) {
        if (prop === 'then') return undefined;
        if (prop === 'version') return async () => ({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.7.0', runtimeApiVersion: 'v1' });
        if (prop === 'status') return async () => {
          if (status instanceof Error) throw status;
          return status;
        };
        return async () => [];
      },
    });
    cp = new ApiServerControlPlane({ settings, logger: createLogger({ level: 'silent' }), runtime, resources: await readNodeResources(settings), pods: { list: () => [], onChange: () => () => undefined, terminating: () => false }, events: { record: () => undefined }, pressure: () => pressure });
    await cp.start();
  });
  after(async () => {
    await cp?.stop();
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('an existing Node is adopted: default labels and the annotation reconciled, others kept', async () => {
    await eventually(() => node()?.metadata.labels?.['kubernetes.io/hostname'] === NODE, { timeoutMs: 10_000, what: 'hostname label reconciled' });
    const n = node()!;
    assert.equal(n.metadata.labels?.custom, 'kept');
    assert.equal(n.metadata.annotations?.['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
    const creates = api.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/nodes');
    assert.equal(creates[0]?.status, 409, 'the POST met AlreadyExists');
    await eventually(() => ready()?.status === 'True', { timeoutMs: 10_000, what: 'Ready' });
    assert.equal(cp.view().registration?.registered, true);
  });

  test('Ready=False KubeletNotReady with the runtime reason while it is down, Ready again after', async () => {
    status = { conditions: [{ type: 'RuntimeReady', status: false, reason: 'Broken', message: 'shim gone' }, UP.conditions[1]!], info: {} };
    await eventually(() => ready()?.status === 'False', { timeoutMs: 10_000, what: 'NotReady' });
    assert.equal(ready()?.reason, 'KubeletNotReady');
    assert.equal(ready()?.message, 'container runtime not ready: RuntimeReady=false reason:Broken message:shim gone');
    status = new Error('connect ECONNREFUSED');
    await eventually(() => ready()?.message?.startsWith('container runtime is down'), { timeoutMs: 10_000, what: 'runtime down message' });
    status = UP;
    await eventually(() => ready()?.status === 'True', { timeoutMs: 10_000, what: 'Ready again' });
    assert.equal(ready()?.reason, 'KubeletReady');
  });

  test('a Lease changed behind its back (409) is refetched and renewed', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(await api.kubeconfig('admin'));
    const coord = kc.makeApiClient(CoordinationV1Api);
    // staticlet renews every 500 ms, so this write may itself meet a conflict: retried until it lands.
    const from = api.requests.length;
    await eventually(
      async () => {
        const current = await coord.readNamespacedLease({ name: NODE, namespace: 'kube-node-lease' }).catch(() => undefined);
        if (!current) return false;
        return coord.replaceNamespacedLease({ name: NODE, namespace: 'kube-node-lease', body: { ...current, metadata: { ...current.metadata, labels: { touched: 'yes' } } } }).then(() => true, () => false);
      },
      { timeoutMs: 10_000, what: 'the lease changed by an admin' },
    );
    await eventually(() => api.requests.slice(from).some((r) => r.method === 'PUT' && r.path.endsWith(`/leases/${NODE}`) && r.status === 409 && r.user === `system:node:${NODE}`), { timeoutMs: 5_000, what: 'a conflict' });
    await eventually(() => api.requests.slice(from).some((r) => r.method === 'PUT' && r.path.endsWith(`/leases/${NODE}`) && r.status === 200), { timeoutMs: 5_000, what: 'a renewal after the conflict' });
    const after409 = api.requests.slice(from);
    assert.ok(after409.some((r) => r.method === 'GET' && r.path.endsWith(`/leases/${NODE}`)), 'refetched');
  });

  test("the core's pressure conditions reach the Node with the kubelet's reasons", async () => {
    await eventually(() => ready()?.status === 'True', { timeoutMs: 10_000, what: 'Ready' });
    const cond = (type: string) => node()?.status?.conditions?.find((c) => c.type === type);
    assert.equal(cond('DiskPressure')?.status, 'False');
    pressure = { memory: false, disk: true, pid: false };
    await eventually(() => cond('DiskPressure')?.status === 'True', { timeoutMs: 10_000, what: 'DiskPressure True' });
    assert.equal(cond('DiskPressure')?.reason, 'KubeletHasDiskPressure');
    assert.equal(cond('MemoryPressure')?.status, 'False');
    pressure = { memory: false, disk: false, pid: false };
    await eventually(() => cond('DiskPressure')?.reason === 'KubeletHasNoDiskPressure', { timeoutMs: 10_000, what: 'DiskPressure False' });
  });
});
