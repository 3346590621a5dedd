// The kube-apiserver emulator with @kubernetes/client-node 1.x, the client the product will use:
// node registration, a strategic-merge status patch (client-node must be told the content type),
// Lease create/renew with optimistic concurrency, and watches (including the 410 a relist needs).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  V1MicroTime,
  type V1Lease,
  type V1Pod,
} from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';

interface Seen {
  type: string;
  name: string;
  code?: number;
}

describe('kube-apiserver emulator with @kubernetes/client-node 1.x', { timeout: 60_000 }, () => {
  let api: ApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let coord: CoordinationV1Api;
  const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

  before(async () => {
    api = await startApiServer();
    kc = new KubeConfig();
    // The kubelet's identity: a client certificate for system:node:<name> in system:nodes.
    kc.loadFromFile(await api.kubeconfig({ user: 'system:node:n1', groups: ['system:nodes'] }));
    core = kc.makeApiClient(CoreV1Api);
    coord = kc.makeApiClient(CoordinationV1Api);
  });

  after(async () => {
    await api?.stop();
  });

  test('create a node, then patch its status with a strategic merge patch', async () => {
    const node = await core.createNode({
      body: {
        metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
        status: {
          conditions: [
            { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
            { type: 'Ready', status: 'False', reason: 'KubeletNotReady' },
          ],
          addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }],
        },
      },
    });
    assert.ok(node.metadata?.uid);
    assert.equal(api.requests.at(-1)?.user, 'system:node:n1');

    const patched = await core.patchNodeStatus(
      {
        name: 'n1',
        body: {
          metadata: { labels: { 'kubernetes.io/os': 'linux' } },
          status: {
            '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
            conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
            addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }, { $patch: 'replace' }],
          },
        },
      },
      smp,
    );
    assert.deepEqual(patched.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'Ready=True']);
    assert.deepEqual(patched.status?.addresses?.map((a) => a.address), ['10.0.0.2', 'n1']);
    assert.equal(patched.metadata?.labels?.['kubernetes.io/os'], 'linux', 'metadata rides along a status patch');
    const rec = api.requests.at(-1)!;
    assert.deepEqual([rec.method, rec.path, rec.contentType, rec.status], ['PATCH', '/api/v1/nodes/n1/status', 'application/strategic-merge-patch+json', 200]);
  });

  test('without the header option client-node sends application/json-patch+json, which a map body fails', async () => {
    await assert.rejects(core.patchNodeStatus({ name: 'n1', body: { status: {} } }), (e: unknown) => e instanceof ApiException && e.code === 400);
    assert.equal(api.requests.at(-1)?.contentType, 'application/json-patch+json');
  });

  test('the node Lease: 404 on first read, create, renew by update, 409 on a stale update', async () => {
    await assert.rejects(coord.readNamespacedLease({ name: 'n1', namespace: 'kube-node-lease' }), (e: unknown) => e instanceof ApiException && e.code === 404);
    const node = await core.readNode({ name: 'n1' });
    const lease = (renewTime: Date): V1Lease => ({
      metadata: { name: 'n1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: node.metadata!.uid! }] },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime },
    });
    // MicroTime must carry six fractional digits: a plain Date serializes with three and the server refuses it.
    await assert.rejects(
      coord.createNamespacedLease({ namespace: 'kube-node-lease', body: lease(new Date()) }),
      (e: unknown) => e instanceof ApiException && e.code === 400 && String(e.body).includes('cannot be handled as a Lease'),
    );
    const created = await coord.createNamespacedLease({ namespace: 'kube-node-lease', body: lease(new V1MicroTime()) });
    assert.match(String(created.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/);
    assert.equal(typeof created.spec?.renewTime, 'string', 'client-node 1.x hands MicroTime back as the raw string');
    const renewed: V1Lease = await coord.replaceNamespacedLease({
      name: 'n1',
      namespace: 'kube-node-lease',
      body: { ...created, spec: { ...created.spec, renewTime: new V1MicroTime(Date.now() + 10_000) } },
    });
    assert.ok(Number(renewed.metadata!.resourceVersion) > Number(created.metadata!.resourceVersion));
    assert.ok(Date.parse(String(renewed.spec!.renewTime)) > Date.parse(String(created.spec!.renewTime)));
    await assert.rejects(
      coord.replaceNamespacedLease({ name: 'n1', namespace: 'kube-node-lease', body: created }),
      (e: unknown) => e instanceof ApiException && e.code === 409 && String(e.body).includes('"reason":"Conflict"'),
    );
    assert.equal(api.get('Lease', 'kube-node-lease', 'n1')?.metadata.ownerReferences?.[0]?.['uid'], node.metadata!.uid);
  });

  test('watch pods of the node from a list resourceVersion; a too old resourceVersion is an ERROR event with 410', async () => {
    const list = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n1' });
    const seen: Seen[] = [];
    const record = (type: string, obj: V1Pod & { code?: number }) => seen.push({ type, name: obj.metadata?.name ?? '', ...(obj.code ? { code: obj.code } : {}) });
    const ended: unknown[] = [];
    const watch = new Watch(kc);
    const ctl = await watch.watch('/api/v1/pods', { resourceVersion: list.metadata!.resourceVersion, fieldSelector: 'spec.nodeName=n1' }, record, (err) => ended.push(err));
    // Pods bound to nodes are made by a scheduler or an admin: NodeRestriction lets a node create mirror pods only.
    const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'pause:3.10' }] } });
    api.create(pod('other', 'n2'));
    api.create(pod('mine', 'n1'));
    await core.patchNamespacedPodStatus({ name: 'mine', namespace: 'default', body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } }, smp);
    await core.deleteNamespacedPod({ name: 'mine', namespace: 'default', gracePeriodSeconds: 0 });
    const t0 = Date.now();
    while (seen.length < 3 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, [
      { type: 'ADDED', name: 'mine' },
      { type: 'MODIFIED', name: 'mine' },
      { type: 'DELETED', name: 'mine' },
    ]);
    ctl.abort();

    api.compact();
    const expired: Seen[] = [];
    const done = new Promise<void>((resolve) => {
      void watch.watch('/api/v1/pods', { resourceVersion: list.metadata!.resourceVersion }, (type, obj: V1Pod & { code?: number }) => expired.push({ type, name: '', ...(obj.code ? { code: obj.code } : {}) }), () => resolve());
    });
    await done;
    assert.deepEqual(expired, [{ type: 'ERROR', name: '', code: 410 }]);
  });

  test('while the server is down requests fail to connect; afterwards the same client carries on', async () => {
    await api.fault({ down: true });
    await assert.rejects(core.readNode({ name: 'n1' }), (e: Error & { code?: string; cause?: { code?: string } }) => /ECONNREFUSED/.test(`${e.code ?? ''} ${e.cause?.code ?? ''} ${e.message}`));
    await api.fault(null);
    assert.equal((await core.readNode({ name: 'n1' })).metadata?.name, 'n1');
  });
});
