// The kube-apiserver emulator driven by a real kubectl: discovery, Table output, describe's
// selector queries, client-side apply, forced and graceful deletion, raw GETs and authentication
// failures all have to work the way kubectl expects of a real API server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { decideCsr, HAVE_KUBECTL, KUBECTL_APPROVE, KUBECTL_DENY, kubectl } from '../../support/kubectl.js';
import { eventually } from '../../helpers/manifests.js';



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

describe('CertificateSigningRequests with kubectl, a bootstrap token and the approver/signer', { timeout: 60_000, skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, () => {
  let api: ApiServer;
  let admin: string;
  let boot: string;
  let cache: string;
  const k = (args: string[], kc = admin) => kubectl(kc, cache, args);

  before(async () => {
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } }, bootstrapTokens: { 'abcdef.0123456789abcdef': {} }, csr: { approval: 'never' } });
    admin = await api.kubeconfig('admin');
    boot = await api.kubeconfig({ token: 'abcdef.0123456789abcdef' });
    cache = join(api.dir, 'kubectl-cache');
  });
  after(async () => {
    await api?.stop();
  });

  const decide = (name: string, type: 'Approved' | 'Denied', why: { reason: string; message: string }) => decideCsr(admin, cache, api.dir, name, type, why);

  async function csrFile(name: string, node: string): Promise<{ file: string; keyFile: string }> {
    const keyFile = join(api.dir, `${name}.key`);
    const reqFile = join(api.dir, `${name}.csr`);
    await promisify(execFile)('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', reqFile, '-subj', `/O=system:nodes/CN=system:node:${node}`]);
    const request = Buffer.from(await readFile(reqFile, 'utf8')).toString('base64');
    const file = join(api.dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] } }));
    return { file, keyFile };
  }

  test('a bootstrap token creates a CSR; kubectl lists it Pending; approved → signed by the kubelet-client signer; denied → Denied', async () => {
    const a = await csrFile('csr-a', 'n1');
    const created = await k(['create', '-f', a.file], boot);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual([api.requests.at(-1)?.user, api.requests.at(-1)?.groups], ['system:bootstrap:abcdef', ['system:bootstrappers', 'system:authenticated']]);
    const listed = await k(['get', 'csr']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
    assert.match(listed.stdout, /csr-a\s+\S+\s+kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:abcdef\s+<none>\s+Pending/);
    await decide('csr-a', 'Approved', KUBECTL_APPROVE);
    const cert = await eventually(async () => (await k(['get', 'csr', 'csr-a', '-o', 'jsonpath={.status.certificate}'])).stdout, { timeoutMs: 10_000, intervalMs: 100, what: 'certificate' });
    const certPem = Buffer.from(cert, 'base64').toString();
    await writeFile(join(api.dir, 'n1.crt'), certPem);
    const { stdout } = await promisify(execFile)('openssl', ['x509', '-in', join(api.dir, 'n1.crt'), '-noout', '-subject', '-ext', 'keyUsage,extendedKeyUsage']);
    assert.match(stdout, /subject=O = system:nodes, CN = system:node:n1/);
    assert.match(stdout, /Key Usage: critical\s+Digital Signature\n/);
    assert.match(stdout, /Extended Key Usage:\s+TLS Web Client Authentication/);
    assert.match((await k(['get', 'csr', 'csr-a'])).stdout, /Approved,Issued/);
    // The issued certificate authenticates as the node.
    const kc = join(api.dir, 'n1.kubeconfig');
    await writeFile(kc, JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'e', cluster: { server: api.url, 'certificate-authority': api.caFile } }], users: [{ name: 'n1', user: { 'client-certificate': join(api.dir, 'n1.crt'), 'client-key': a.keyFile } }], contexts: [{ name: 'e', context: { cluster: 'e', user: 'n1' } }], 'current-context': 'e' }));
    assert.equal((await k(['get', '--raw', '/version'], kc)).code, 0);
    assert.deepEqual([api.requests.at(-1)?.user, api.requests.at(-1)?.groups], ['system:node:n1', ['system:nodes', 'system:authenticated']]);

    const b = await csrFile('csr-b', 'n2');
    assert.equal((await k(['create', '-f', b.file], boot)).code, 0);
    await decide('csr-b', 'Denied', KUBECTL_DENY);
    assert.match((await k(['get', 'csr', 'csr-b'])).stdout, /csr-b\s.*\sDenied\n/);
  });

  test('auto: the approver approves a bootstrapper’s node-client request; not an admin’s', async () => {
    api.csr.approval = 'auto';
    const c = await csrFile('csr-c', 'n3');
    assert.equal((await k(['create', '-f', c.file], boot)).code, 0);
    const approved = await eventually(async () => (await k(['get', 'csr', 'csr-c', '-o', 'jsonpath={.status.conditions[0].reason}/{.status.conditions[0].message}'])).stdout, { timeoutMs: 10_000, intervalMs: 100, what: 'approval' });
    assert.equal(approved, 'AutoApproved/Auto approving kubelet client certificate after SubjectAccessReview.');
    await eventually(async () => /Approved,Issued/.test((await k(['get', 'csr', 'csr-c'])).stdout), { timeoutMs: 10_000, intervalMs: 100, what: 'issued' });
    const d = await csrFile('csr-d', 'n4');
    assert.equal((await k(['create', '-f', d.file])).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.match((await k(['get', 'csr', 'csr-d'])).stdout, /Pending/);
  });

  test('an unknown bootstrap token is refused', async () => {
    const kc = await api.kubeconfig({ token: 'abcdef.ffffffffffffffff' });
    const r = await k(['get', '--raw', '/version'], kc);
    assert.equal(r.code, 1);
    assert.equal(api.requests.at(-1)?.status, 401);
  });
});
