// The emulator's NodeRestriction admission: what a node's credentials may write, with the plugin's
// messages. A node may create only mirror pods bound to itself and owned by its own Node, touch
// only its own pods' status, its own Node and its own Lease; a cluster admin is not restricted.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';

interface Reply {
  status: number;
  body: { message?: string; metadata?: { uid?: string } };
}

function call(api: ApiServer, ca: string, token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${api.url}${path}`,
      { method, ca, agent: false, headers: { Authorization: `Bearer ${token}`, ...(text !== undefined ? { 'Content-Type': contentType } : {}) } },
      (res) => {
        let out = '';
        res.on('data', (d: Buffer) => (out += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: out ? (JSON.parse(out) as Reply['body']) : {} }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe('emulator: NodeRestriction admission', () => {
  let api: ApiServer;
  let ca: string;
  let nodeUid: string;
  const as = (token: string, method: string, path: string, body?: unknown, contentType?: string) => call(api, ca, token, method, path, body, contentType);
  const mirror = (name: string, extra: { nodeName?: string; owner?: Record<string, unknown> | null; spec?: Record<string, unknown>; annotations?: Record<string, string> } = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      annotations: extra.annotations ?? { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.hash': 'abc', 'kubernetes.io/config.source': 'file' },
      ...(extra.owner === null ? {} : { ownerReferences: [extra.owner ?? { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: nodeUid, controller: true }] }),
    },
    spec: { nodeName: extra.nodeName ?? 'n1', containers: [{ name: 'c', image: 'busybox' }], ...extra.spec },
  });

  before(async () => {
    api = await startApiServer({
      tokens: {
        admin: { user: 'admin', groups: ['system:masters'] },
        n1: { user: 'system:node:n1', groups: ['system:nodes'] },
        n2: { user: 'system:node:n2', groups: ['system:nodes'] },
      },
    });
    ca = await readFile(api.caFile, 'utf8');
    const node = await as('n1', 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    assert.equal(node.status, 201, node.body.message);
    nodeUid = node.body.metadata!.uid!;
    assert.equal((await as('n2', 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } })).status, 201);
  });
  after(async () => api?.stop());

  test('a node creates a mirror pod bound to itself and owned by its Node', async () => {
    const r = await as('n1', 'POST', '/api/v1/namespaces/default/pods', mirror('ok-n1'));
    assert.equal(r.status, 201, r.body.message);
  });

  test('a node may not create a pod that is not a mirror pod', async () => {
    const r = await as('n1', 'POST', '/api/v1/namespaces/default/pods', mirror('plain-n1', { annotations: {} }));
    assert.equal(r.status, 403);
    assert.equal(r.body.message, 'pods "plain-n1" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  });

  test('a node may not create a mirror pod bound to another node', async () => {
    const r = await as('n1', 'POST', '/api/v1/namespaces/default/pods', mirror('other-n2', { nodeName: 'n2' }));
    assert.equal(r.status, 403);
    assert.match(r.body.message!, /node "n1" can only create pods with spec.nodeName set to itself$/);
  });

  test('the owner reference: required, its own Node, a controller, with the current UID', async () => {
    const cases: Array<[Record<string, unknown> | null, RegExp]> = [
      [null, /can only create pods with an owner reference set to itself$/],
      [{ apiVersion: 'v1', kind: 'Node', name: 'n2', uid: nodeUid, controller: true }, /can only create pods with an owner reference set to itself$/],
      [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: nodeUid }, /can only create pods with a controller owner reference set to itself$/],
      [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: nodeUid, controller: true, blockOwnerDeletion: true }, /must not set blockOwnerDeletion on an owner reference$/],
      [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: '00000000-0000-0000-0000-000000000000', controller: true }, /node n1 UID mismatch$/],
    ];
    for (const [owner, message] of cases) {
      const r = await as('n1', 'POST', '/api/v1/namespaces/default/pods', mirror('owned-n1', { owner }));
      assert.equal(r.status, 403, JSON.stringify(owner));
      assert.match(r.body.message!, message);
    }
  });

  test('a mirror pod may not reference another API object', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ serviceAccountName: 'sa' }, 'a service account'],
      [{ volumes: [{ name: 's', secret: { secretName: 's' } }] }, 'secrets'],
      [{ volumes: [{ name: 'c', configMap: { name: 'c' } }] }, 'configmaps'],
      [{ volumes: [{ name: 'p', persistentVolumeClaim: { claimName: 'p' } }] }, 'persistentvolumeclaims'],
    ];
    for (const [spec, kind] of cases) {
      const r = await as('n1', 'POST', '/api/v1/namespaces/default/pods', mirror('refs-n1', { spec }));
      assert.equal(r.status, 403, kind);
      assert.match(r.body.message!, new RegExp(`node "n1" can not create pods that reference ${kind}$`));
    }
  });

  test("a node updates the status of and deletes only its own pods; it may not update a pod's spec", async () => {
    assert.equal((await as('admin', 'POST', '/api/v1/namespaces/default/pods', { ...mirror('x-n2', { nodeName: 'n2' }), metadata: { name: 'x-n2', namespace: 'default' } })).status, 201);
    const status = { status: { phase: 'Running' } };
    const foreign = await as('n1', 'PATCH', '/api/v1/namespaces/default/pods/x-n2/status', status, 'application/strategic-merge-patch+json');
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.message!, /node "n1" can only update pod status for pods with spec.nodeName set to itself$/);
    const own = await as('n2', 'PATCH', '/api/v1/namespaces/default/pods/x-n2/status', status, 'application/strategic-merge-patch+json');
    assert.equal(own.status, 200, own.body.message);
    const spec = await as('n1', 'PATCH', '/api/v1/namespaces/default/pods/ok-n1', { metadata: { labels: { a: 'b' } } }, 'application/strategic-merge-patch+json');
    assert.equal(spec.status, 403);
    assert.match(spec.body.message!, /can only create and delete mirror pods$/);
    const del = await as('n1', 'DELETE', '/api/v1/namespaces/default/pods/x-n2');
    assert.equal(del.status, 403);
    assert.match(del.body.message!, /node "n1" can only delete pods with spec.nodeName set to itself$/);
    const mine = await as('n1', 'DELETE', '/api/v1/namespaces/default/pods/ok-n1?gracePeriodSeconds=0');
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
  });

  test('a node writes only its own Node and its own Lease', async () => {
    const node = await as('n1', 'PATCH', '/api/v1/nodes/n2/status', { status: { phase: 'Running' } }, 'application/strategic-merge-patch+json');
    assert.equal(node.status, 403);
    assert.match(node.body.message!, /node "n1" is not allowed to modify node "n2"$/);
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
    const other = await as('n1', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n2'));
    assert.equal(other.status, 403);
    assert.match(other.body.message!, /can only access node lease with the same name as the requesting node$/);
    assert.equal((await as('n1', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n1'))).status, 201);
    // Reads are not admission's business.
    assert.equal((await as('n1', 'GET', '/api/v1/nodes/n2')).status, 200);
  });
});
