// Control-plane mode against the kube-apiserver emulator with a real containerd: the Node is
// registered with the kubelet's fields, kubectl sees it Ready, the Lease is renewed, an idle node
// sends no status patches (node or mirror pod), and an API server that goes away and comes back is survived without
// touching a container.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { cs, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually, podYaml } from '../../helpers/manifests.js';
import { formatAmounts, readNodeResources } from '../../../src/admission/index.js';
import { HAVE_KUBECTL, kubectl } from '../../support/kubectl.js';



interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface NodeObj {
  metadata: { uid?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { taints?: Array<{ key: string; value?: string; effect: string }> };
  status?: { conditions?: Cond[]; addresses?: Array<{ type: string; address: string }>; nodeInfo?: Record<string, string>; capacity?: Record<string, string>; allocatable?: Record<string, string>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } }; images?: unknown[] };
}
interface LeaseObj {
  metadata: { ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }> };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STATUS_PATH = `/api/v1/nodes/${NODE}/status`;

describe('control plane: registration, node status and Lease against the emulator', { timeout: 240_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let admin: string;
  let startedAt = 0;
  const node = () => api.get('Node', undefined, NODE) as unknown as NodeObj | undefined;
  const lease = () => api.get('Lease', 'kube-node-lease', NODE) as unknown as LeaseObj | undefined;
  const ready = (n: NodeObj | undefined) => n?.status?.conditions?.find((c) => c.type === 'Ready');

  before(async () => {
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } } });
    admin = await api.kubeconfig('admin');
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    startedAt = Date.now();
    h = await startSupervisor(env, {
      settings: {
        kubeconfig,
        nodeLabels: { 'node-role.kubernetes.io/edge': '' },
        registerWithTaints: [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }],
        nodeStatusUpdateFrequencyMs: 1_000,
        nodeStatusReportFrequencyMs: 60_000,
        // Renewed every second (duration × 0.25).
        nodeLeaseDurationSeconds: 4,
      },
    });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test('the Node is registered Ready with the kubelet fields', async () => {
    const n = await eventually(() => (ready(node())?.status === 'True' ? node() : undefined), { timeoutMs: 20_000, intervalMs: 20, what: 'node Ready' });
    const readyAfterMs = Date.now() - startedAt;
    console.log(`# node Ready ${readyAfterMs} ms after the supervisor started`);
    const labels = n.metadata.labels ?? {};
    assert.equal(labels['kubernetes.io/hostname'], NODE);
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.equal(labels['beta.kubernetes.io/os'], 'linux');
    assert.ok(labels['kubernetes.io/arch']);
    assert.equal(labels['node-role.kubernetes.io/edge'], '');
    assert.equal(n.metadata.annotations?.['volumes.kubernetes.io/controller-managed-attach-detach'], 'true');
    assert.deepEqual(n.spec?.taints, [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }]);
    const s = n.status!;
    assert.deepEqual(s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`), [
      'MemoryPressure=False/KubeletHasSufficientMemory',
      'DiskPressure=False/KubeletHasNoDiskPressure',
      'PIDPressure=False/KubeletHasSufficientPID',
      'Ready=True/KubeletReady',
    ]);
    assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }]);
    assert.equal(s.daemonEndpoints?.kubeletEndpoint?.Port, h.settings.port);
    assert.match(s.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/\S+$/);
    assert.match(s.nodeInfo?.kubeletVersion ?? '', /^v1\.36\.0\+staticlet\./);
    assert.ok(s.nodeInfo?.kernelVersion);
    assert.ok(s.nodeInfo?.osImage);
    assert.equal(s.nodeInfo?.operatingSystem, 'linux');
    assert.deepEqual(Object.keys(s.capacity ?? {}).sort(), ['cpu', 'ephemeral-storage', 'memory', 'pods']);
    // One computation: the figures admission holds pods to.
    const resources = await readNodeResources(h.settings);
    assert.deepEqual(s.capacity, formatAmounts(resources.capacity));
    assert.deepEqual(s.allocatable, formatAmounts(resources.allocatable));
    assert.ok(Array.isArray(s.images));
    const ua = api.requests.find((r) => r.path === '/api/v1/nodes' && r.method === 'POST')?.userAgent ?? '';
    assert.match(ua, /^staticlet\/\d+\.\d+\.\d+ \(linux\/\w+\)$/);
  });

  test('kubectl get nodes -o wide shows it Ready with IP, OS image, kernel and runtime', { skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, async () => {
    const r = await kubectl(admin, join(api.dir, 'kubectl-cache'), ['get', 'nodes', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    console.log(r.stdout.split('\n').map((l) => `# ${l}`).join('\n'));
    const row = r.stdout.split('\n').find((l) => l.startsWith(NODE + ' '));
    assert.ok(row, r.stdout);
    const n = node()!;
    assert.match(row, /\sReady\s/);
    assert.ok(row.includes('127.0.0.1'), row);
    assert.ok(row.includes(n.status!.nodeInfo!.osImage!), row);
    assert.ok(row.includes(n.status!.nodeInfo!.kernelVersion!), row);
    assert.ok(row.includes(n.status!.nodeInfo!.containerRuntimeVersion!), row);
  });

  test('kubectl describe node shows the four conditions with the kubelet reasons and messages, capacity and allocatable', { skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, async () => {
    const r = await kubectl(admin, join(api.dir, 'kubectl-cache'), ['describe', 'node', NODE]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    for (const [type, status, reason, message] of [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ]) {
      assert.match(out, new RegExp(`^\\s+${type}\\s+${status}\\s.*\\s${reason}\\s+${message}`, 'm'), `${type} row in:\n${out}`);
    }
    const n = node()!;
    for (const section of ['Capacity', 'Allocatable']) {
      const block = out.slice(out.indexOf(`${section}:`)).split('\n').slice(1, 8).join('\n');
      const want = section === 'Capacity' ? n.status!.capacity! : n.status!.allocatable!;
      for (const key of ['cpu', 'memory', 'pods']) assert.match(block, new RegExp(`^\\s+${key}:\\s+${want[key]}$`, 'm'), `${section} ${key} in:\n${block}`);
    }
    assert.match(out, /Kubelet Version:\s+v1\.36\.0\+staticlet/);
    assert.match(out, /Container Runtime Version:\s+containerd:\/\//);
  });

  test('the Lease is owned by the Node and renewed', async () => {
    const first = await eventually(() => lease(), { timeoutMs: 10_000, what: 'lease' });
    assert.equal(first.spec?.holderIdentity, NODE);
    assert.equal(first.spec?.leaseDurationSeconds, 4);
    assert.deepEqual(first.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: node()!.metadata.uid! }]);
    const t1 = first.spec?.renewTime;
    const from = api.requests.length;
    await eventually(() => lease()?.spec?.renewTime !== t1, { timeoutMs: 5_000, what: 'renewTime to advance' });
    assert.ok(Date.parse(lease()!.spec!.renewTime!) > Date.parse(t1!));
    // Before the Node exists the Lease cannot be created (no owner uid) and is looked up again;
    // once it exists, renewals start from the cached copy.
    await sleep(2_500);
    const gets = api.requests.slice(from).filter((r) => r.method === 'GET' && r.path === `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`).length;
    assert.equal(gets, 0, 'renewals use the cached copy');
  });

  test('idle: no status PATCH while nothing changes; request rate', async () => {
    await h.write('idle.yaml', podYaml('idle'));
    await h.waitPod('idle', (p) => p.status?.phase === 'Running', 60_000);
    // Let a status change from the new image, if any, go out first.
    await sleep(2_500);
    const from = api.requests.length;
    const patchesBefore = api.requests.filter((r) => r.method === 'PATCH' && r.path === STATUS_PATH).length;
    const windowMs = 10_000;
    await sleep(windowMs);
    const seen = api.requests.slice(from);
    const patches = api.requests.filter((r) => r.method === 'PATCH' && r.path === STATUS_PATH).length - patchesBefore;
    console.log(`# idle: ${seen.length} requests in ${windowMs / 1000} s (${Math.round((seen.length * 60_000) / windowMs)}/min at 1 s lease renewal and 1 s status period); status PATCHes: ${patches}`);
    console.log(`# idle requests: ${[...new Set(seen.map((r) => `${r.method} ${r.path}`))].join(', ')}`);
    assert.equal(patches, 0);
    // Lease renewals, and the mirror pods' housekeeping list of this node's pods (every 2 s); no pod status PATCH.
    const other = seen.filter((r) => !(r.method === 'PUT' && r.path.includes('/leases/')) && !(r.method === 'GET' && r.path === '/api/v1/pods' && r.query['fieldSelector'] === `spec.nodeName=${NODE}`));
    assert.deepEqual(other.map((r) => `${r.method} ${r.path}`), [], 'only Lease renewals and mirror housekeeping lists while idle');
  });

  test('API server down then up: pods untouched, lease renewed within 10 s of its return', async () => {
    const before = h.pod('idle')!;
    const restarts = cs(before, 'app')?.restartCount ?? cs(before, before.spec!.containers[0]!.name)?.restartCount;
    await api.fault({ down: true });
    await sleep(8_000);
    const renewBefore = lease()!.spec!.renewTime!;
    await api.fault(null);
    const back = Date.now();
    await eventually(() => lease()?.spec?.renewTime !== renewBefore, { timeoutMs: 10_000, intervalMs: 50, what: 'lease renewal after the API server returned' });
    console.log(`# lease renewed ${Date.now() - back} ms after the API server returned`);
    await eventually(() => ready(node())?.status === 'True', { timeoutMs: 10_000, what: 'node still Ready' });
    const p = h.pod('idle')!;
    assert.equal(p.status?.phase, 'Running');
    const name = p.spec!.containers[0]!.name;
    assert.equal(cs(p, name)?.restartCount, restarts ?? 0);
    assert.equal(cs(p, name)?.restartCount, 0);
  });
});
