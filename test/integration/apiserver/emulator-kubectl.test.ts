// The kube-apiserver emulator driven by a real kubectl: discovery, Table output, describe's
// selector queries, client-side apply, forced and graceful deletion, raw GETs and authentication
// failures all have to work the way kubectl expects of a real API server.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { HAVE_KUBECTL, kubectl } from '../../support/kubectl.js';



const NODE_STATUS = {
  conditions: [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ],
  addresses: [
    { type: 'InternalIP', address: '10.1.2.3' },
    { type: 'Hostname', address: 'node-a' },
  ],
  capacity: { cpu: '2', memory: '4Gi', pods: '110' },
  allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
  nodeInfo: {
    kubeletVersion: 'v1.36.0',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion: '6.1.0-test',
    containerRuntimeVersion: 'containerd://1.7.24',
    operatingSystem: 'linux',
    architecture: 'amd64',
    machineID: 'm',
    systemUUID: 's',
    bootID: 'b',
  },
};

describe('kube-apiserver emulator with kubectl', { timeout: 60_000, skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, () => {
  let api: ApiServer;
  let admin: string;
  let cache: string;
  const k = (args: string[], kc = admin) => kubectl(kc, cache, args);

  before(async () => {
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } } });
    admin = await api.kubeconfig('admin');
    cache = join(api.dir, 'kubectl-cache');
    const node = api.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', 'node-role.kubernetes.io/control-plane': '' } },
      spec: {},
      status: NODE_STATUS,
    });
    api.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-a', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-a', uid: node.metadata.uid! }] },
      spec: { holderIdentity: 'node-a', leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace('Z', '000Z') },
    });
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'etcd-node-a', namespace: 'kube-system' }, spec: { nodeName: 'node-a', containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.21-0' }] } });
    api.create({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'node-a.1', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'node-a', uid: node.metadata.uid!, apiVersion: 'v1' }, reason: 'Starting', message: 'Starting kubelet.', type: 'Normal', source: { component: 'kubelet', host: 'node-a' }, count: 1, firstTimestamp: node.metadata.creationTimestamp!, lastTimestamp: node.metadata.creationTimestamp! });
  });

  after(async () => {
    await api?.stop();
  });

  test('get nodes -o wide prints the server-side table of a node', async () => {
    const r = await k(['get', 'nodes', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    const [header, row] = r.stdout.trim().split('\n');
    assert.deepEqual(header!.split(/\s{2,}/), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    assert.deepEqual(
      row!.split(/\s{2,}/).filter((_, i) => i !== 3),
      ['node-a', 'Ready', 'control-plane', 'v1.36.0', '10.1.2.3', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-test', 'containerd://1.7.24'],
    );
    const list = api.requests.find((q) => q.method === 'GET' && q.path === '/api/v1/nodes');
    assert.equal(list?.status, 200);
    assert.equal(list?.user, 'admin');
  });

  test('get leases -n kube-node-lease shows the holder', async () => {
    const r = await k(['get', 'leases', '-n', 'kube-node-lease']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+HOLDER\s+AGE\nnode-a\s+node-a\s+\d+s\n$/);
  });

  test('describe node reads the node, its pods, its events and its lease', async () => {
    const from = api.requests.length;
    const r = await k(['describe', 'node', 'node-a']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Name:\s+node-a$/m);
    assert.match(r.stdout, /HolderIdentity:\s+node-a/);
    assert.match(r.stdout, /Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status/);
    assert.match(r.stdout, /InternalIP:\s+10\.1\.2\.3/);
    assert.match(r.stdout, /Non-terminated Pods:\s+\(1 in total\)/);
    assert.match(r.stdout, /kube-system\s+etcd-node-a/);
    assert.match(r.stdout, /Normal\s+Starting\s+\S+\s+kubelet\s+Starting kubelet\./);
    const asked = api.requests.slice(from).map((q) => `${q.method} ${q.path} ${q.query['fieldSelector'] ?? ''} ${q.status}`);
    assert.ok(asked.includes('GET /api/v1/pods spec.nodeName=node-a,status.phase!=Succeeded,status.phase!=Failed 200'), asked.join('\n'));
    assert.ok(asked.some((a) => a.startsWith('GET /api/v1/events involvedObject.') && a.endsWith(' 200')), asked.join('\n'));
    assert.ok(asked.includes('GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-a  200'), asked.join('\n'));
  });

  test('apply and create -f of a pod, then a second apply as a strategic merge patch', async () => {
    const file = join(api.dir, 'web.yaml');
    const manifest = (image: string) =>
      ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', '  namespace: default', '  labels: {app: web}', 'spec:', '  nodeName: node-a', '  containers:', '  - name: web', `    image: ${image}`, ''].join('\n');
    await writeFile(file, manifest('nginx:1.27'));
    const created = await k(['apply', '-f', file]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), 'pod/web created');
    const stored = api.get('Pod', 'default', 'web');
    assert.equal(stored?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']?.includes('nginx:1.27'), true);
    const dup = await k(['create', '-f', file]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /Error from server \(AlreadyExists\): error when creating ".*web\.yaml": pods "web" already exists/);
    await writeFile(file, manifest('nginx:1.28'));
    const applied = await k(['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout.trim(), 'pod/web configured');
    const patch = api.requests.filter((q) => q.method === 'PATCH' && q.path === '/api/v1/namespaces/default/pods/web').pop();
    assert.equal(patch?.contentType, 'application/strategic-merge-patch+json');
    assert.equal(patch?.query['fieldValidation'], 'Strict');
    const pod = api.get('Pod', 'default', 'web')!;
    assert.equal((pod['spec'] as { containers: Array<{ image: string }> }).containers[0]!.image, 'nginx:1.28');
    assert.equal(pod.metadata.generation, 2);
    const created2 = await k(['create', '-f', file, '-n', 'default', '--dry-run=server', '-o', 'name']);
    assert.equal(created2.code, 1, 'a server dry run of a duplicate still fails');
  });

  test('get pods -A lists every namespace with kubectl’s NAMESPACE column', async () => {
    const r = await k(['get', 'pods', '-A']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows[0], ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(rows.slice(1).map((x) => x.slice(0, 5)), [
      ['default', 'web', '0/1', 'Pending', '0'],
      ['kube-system', 'etcd-node-a', '0/1', 'Pending', '0'],
    ]);
  });

  test('get --raw returns the stored object as JSON', async () => {
    const r = await k(['get', '--raw', '/api/v1/namespaces/kube-system/pods/etcd-node-a']);
    assert.equal(r.code, 0, r.stderr);
    const pod = JSON.parse(r.stdout) as { kind: string; metadata: { name: string; uid: string }; spec: { terminationGracePeriodSeconds: number } };
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.metadata.uid, api.get('pods', 'kube-system', 'etcd-node-a')!.metadata.uid);
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30, 'defaults are applied on create');
    const missing = await k(['get', '--raw', '/api/v1/namespaces/default/pods/nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  });

  test('a plain delete of a pod on a node is graceful; --grace-period=0 --force removes it', async () => {
    const graceful = await k(['delete', 'pod', 'etcd-node-a', '-n', 'kube-system', '--wait=false']);
    assert.equal(graceful.code, 0, graceful.stderr);
    assert.equal(graceful.stdout.trim(), 'pod "etcd-node-a" deleted');
    const marked = api.get('pods', 'kube-system', 'etcd-node-a');
    assert.equal(marked?.metadata.deletionGracePeriodSeconds, 30);
    const shown = await k(['get', 'pod', 'etcd-node-a', '-n', 'kube-system', '--no-headers']);
    assert.match(shown.stdout, /^etcd-node-a\s+0\/1\s+Terminating\s/);

    const forced = await k(['delete', 'pod', 'etcd-node-a', '-n', 'kube-system', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /pod "etcd-node-a" force deleted/);
    assert.match(forced.stderr, /Immediate deletion does not wait for confirmation/);
    assert.equal(api.get('pods', 'kube-system', 'etcd-node-a'), undefined);
    const del = api.requests.filter((q) => q.method === 'DELETE' && q.path === '/api/v1/namespaces/kube-system/pods/etcd-node-a').map((q) => q.status);
    assert.deepEqual(del, [200, 200]);
  });

  test('a client certificate signed by the cluster CA authenticates as its CN', async () => {
    const kc = await api.kubeconfig({ user: 'system:node:node-a', groups: ['system:nodes'] });
    const r = await k(['get', 'node', 'node-a', '-o', 'jsonpath={.metadata.name}'], kc);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'node-a');
    assert.equal(api.requests.filter((q) => q.path === '/api/v1/nodes/node-a').pop()?.user, 'system:node:node-a');
  });

  test('a bad token gets 401 Unauthorized and kubectl says so', async () => {
    const kc = await api.kubeconfig({ token: 'not-a-token' });
    const from = api.requests.length;
    const r = await k(['get', 'nodes'], kc);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/);
    const seen = api.requests.slice(from);
    assert.ok(seen.length > 0 && seen.every((q) => q.status === 401 && q.user === undefined));
    const raw = await k(['get', '--raw', '/api/v1/nodes'], kc);
    assert.match(raw.stderr, /Unauthorized/);
  });
});
