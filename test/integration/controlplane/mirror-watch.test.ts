// Mirror pods from a watch of this node's pods (an informer), against the kube-apiserver
// emulator with a real containerd, one supervisor for the file: an idle node sends no pod
// request, a mirror deleted by an admin comes back through the watch, a watch too old for the
// server (410) relists, and an API server outage converges once it is back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer, type RequestRecord } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually } from '../../helpers/manifests.js';
import type { Pod } from '../../../src/api/generated/core-v1.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NAMES = ['w1', 'w2', 'w3', 'w4', 'w5'];
const NODE_USER = `system:node:${NODE}`;

function idle(name: string): string {
  return manifest(
    name,
    [
      '  terminationGracePeriodSeconds: 2',
      '  containers:',
      '    - name: main',
      `      image: ${BUSYBOX}`,
      `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`,
      '',
    ].join('\n'),
  );
}

const isPodList = (r: RequestRecord) => r.method === 'GET' && r.path === '/api/v1/pods' && r.query['watch'] !== 'true';
const isPodWatch = (r: RequestRecord) => r.method === 'GET' && r.path === '/api/v1/pods' && r.query['watch'] === 'true';
const isStatusPatch = (r: RequestRecord) => r.method === 'PATCH' && /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/status$/.test(r.path);

/** `VERB path` with pod names folded, for the figures. */
function key(r: RequestRecord): string {
  const path = r.path.replace(/\/pods\/[^/]+/, '/pods/<name>');
  return `${r.method} ${path}${r.query['watch'] === 'true' ? '?watch' : ''}`;
}

function tally(rs: RequestRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

describe('control plane: mirror pods from a watch', { timeout: 300_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let admin: CoreV1Api;
  const rejections: unknown[] = [];
  const onRejection = (r: unknown) => rejections.push(r);
  const full = (name: string) => `${name}-${NODE}`;
  const mirror = (name: string) => api.get('Pod', 'default', full(name)) as unknown as Pod | undefined;
  const nodeUid = () => (api.get('Node', undefined, NODE) as unknown as { metadata: { uid: string } } | undefined)?.metadata.uid;
  const running = (p: Pod | undefined) => p?.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const allRunning = (names = NAMES) => names.every((n) => running(mirror(n)) && mirror(n)?.metadata?.annotations?.['kubernetes.io/config.mirror'] === h.pod(n)?.metadata?.annotations?.['kubernetes.io/config.hash']);
  const nodeRequests = (from: number) => api.requests.slice(from).filter((r) => r.user === NODE_USER);

  /** Deletes a mirror as an admin, grace 0, and waits for its successor: new UID, Running. */
  async function deleteAndWait(name: string, what: string): Promise<number> {
    const old = mirror(name)!;
    const t0 = Date.now();
    await admin.deleteNamespacedPod({ name: full(name), namespace: 'default', gracePeriodSeconds: 0 });
    await eventually(() => {
      const p = mirror(name);
      return p && p.metadata?.uid !== old.metadata?.uid && running(p) ? p : undefined;
    }, { timeoutMs: 4_000, intervalMs: 20, what });
    return Date.now() - t0;
  }

  before(async () => {
    process.on('unhandledRejection', onRejection);
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } } });
    const kc = new KubeConfig();
    kc.loadFromFile(await api.kubeconfig('admin'));
    admin = kc.makeApiClient(CoreV1Api);
    const kubeconfig = await api.kubeconfig({ user: NODE_USER, groups: ['system:nodes'] });
    env = await startContainerd();
    h = await startSupervisor(env, { settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 10_000, nodeStatusReportFrequencyMs: 300_000 } });
    await eventually(() => nodeUid(), { timeoutMs: 20_000, what: 'node registered' });
    for (const n of NAMES) await h.write(`${n}.yaml`, idle(n));
    for (const n of NAMES) await h.waitPod(n, (p) => p.status?.phase === 'Running', 60_000);
    await eventually(() => allRunning(), { timeoutMs: 10_000, intervalMs: 50, what: 'mirrors Running' });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
    process.off('unhandledRejection', onRejection);
  });

  test('idle 60 s with 5 Running mirrors: no pod LIST, no status PATCH, only the Lease (and node status)', async () => {
    // Let the start settle (the first status PATCHes, the node's first reports).
    await sleep(3_000);
    const from = api.requests.length;
    const t0 = Date.now();
    await sleep(60_000);
    const seen = nodeRequests(from);
    console.log(`# idle ${Math.round((Date.now() - t0) / 1000)} s, 5 mirrors: ${seen.length} requests ${JSON.stringify(tally(seen))}`);
    assert.equal(seen.filter(isPodList).length, 0, 'no LIST of the pods');
    assert.equal(seen.filter(isStatusPatch).length, 0, 'no pod status PATCH');
    const other = seen.filter((r) => !(r.method === 'PUT' && r.path.includes('/leases/')) && !(r.method === 'PATCH' && r.path === `/api/v1/nodes/${NODE}/status`));
    assert.deepEqual(other.map(key), [], 'only Lease renewals and node status');
    assert.ok(allRunning());
  });

  test('a mirror deleted by an admin (grace 0) is back within 2 s through the watch, without a LIST', async () => {
    const from = api.requests.length;
    const ms = await deleteAndWait('w1', 'recreated mirror Running');
    console.log(`# deleted by an admin: mirror back and Running after ${ms} ms`);
    assert.ok(ms < 2_000, `${ms} ms`);
    assert.equal(nodeRequests(from).filter(isPodList).length, 0, 'no LIST');
  });

  test('watch history compacted, then the watch broken: the informer relists (410) and mirrors converge', async () => {
    const from = api.requests.length;
    // A change the watch of pods does not carry, then a compaction: the informer's resourceVersion
    // (its last pod event) is now older than the server's window.
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere', namespace: 'default' }, spec: { nodeName: 'another-node', containers: [{ name: 'c', image: BUSYBOX }] } });
    api.compact();
    await api.fault({ down: true });
    await sleep(1_000);
    await api.fault(null);
    const back = Date.now();
    await eventually(() => nodeRequests(from).some((r) => isPodList(r) && r.status === 200), { timeoutMs: 15_000, intervalMs: 50, what: 'relist after 410' }).catch((e: unknown) => {
      console.log(`# requests since the compaction: ${JSON.stringify(nodeRequests(from).filter((r) => r.path.includes('/pods')).map((r) => [key(r), r.query['resourceVersion'], r.status, r.time - back]))} rv ${api.resourceVersion}`);
      throw e;
    });
    await eventually(() => nodeRequests(from).filter((r) => isPodWatch(r) && r.status === 200).length >= 2, { timeoutMs: 10_000, intervalMs: 50, what: 'watch after the relist' });
    const watches = nodeRequests(from).filter(isPodWatch);
    console.log(`# 410: relisted ${nodeRequests(from).find(isPodList)!.time - back} ms after the server was back; watches ${watches.map((r) => `${r.query['resourceVersion']}→${r.status}`).join(', ')}`);
    await sleep(1_000);
    assert.ok(allRunning());
    const lists = nodeRequests(from).filter(isPodList).length;
    const ms = await deleteAndWait('w2', 'mirror recreated after the relist');
    console.log(`# after the relist, deleted by an admin: back and Running after ${ms} ms; LISTs in all: ${lists}`);
    assert.ok(ms < 2_000, `${ms} ms`);
    assert.equal(nodeRequests(from).filter(isPodList).length, lists, 'no further LIST');
  });

  test('API server down 20 s, a pod added meanwhile: mirrors and status converge within 10 s of its return, no crash', async () => {
    await api.fault({ down: true });
    let back = 0;
    let backIdx = 0;
    try {
      await h.write('late.yaml', idle('late'));
      await h.waitPod('late', (p) => p.status?.phase === 'Running', 60_000);
      await sleep(20_000);
    } finally {
      backIdx = api.requests.length;
      await api.fault(null);
      back = Date.now();
    }
    const names = [...NAMES, 'late'];
    await eventually(() => allRunning(names), { timeoutMs: 10_000, intervalMs: 50, what: 'mirrors Running after the outage' });
    console.log(`# outage 20 s: all 6 mirrors Running ${Date.now() - back} ms after the server was back`);
    // And the watch follows again: a deleted mirror comes back at once.
    await eventually(() => nodeRequests(backIdx).some((r) => isPodWatch(r) && r.status === 200), { timeoutMs: 10_000, intervalMs: 50, what: 'watch again' });
    console.log(`# after the outage: ${JSON.stringify(tally(nodeRequests(backIdx).filter((r) => r.path.includes('/pods'))))}`);
    await sleep(1_000);
    const ms = await deleteAndWait('late', 'mirror recreated after the outage');
    console.log(`# after the outage, deleted by an admin: back and Running after ${ms} ms`);
    assert.ok(ms < 2_000, `${ms} ms`);
    assert.deepEqual(rejections, [], 'no unhandled rejection');
    assert.equal(h.pod('late')?.status?.phase, 'Running');
  });
});
