// Registration edge cases against the emulator with a real containerd: registerNode=false never
// creates or patches a Node (it waits for one made by someone else, as the kubelet does), and a
// 403 on the create is retried with the back-off while the pods run untouched and the reason
// shows in `staticlet node`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import type { Attributes } from '../../support/apiserver/auth.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { cs, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually, podYaml } from '../../helpers/manifests.js';
import { captureOutput } from '../../helpers/streams.js';
import { showNode } from '../../../src/cli/commands/node.js';

type NodeObj = { status?: { conditions?: Array<{ type: string; status: string }> } };
type LeaseObj = { metadata: { ownerReferences?: Array<{ kind: string; name: string }> }; spec?: { renewTime?: string } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NODES = '/api/v1/nodes';
const NODE_PATH = `${NODES}/${NODE}`;
const isNodeRequest = (path: string) => path === NODES || path.startsWith(`${NODES}/`);

describe('registration: registerNode=false and a forbidden create', { timeout: 200_000 }, () => {
  let env: ContainerdEnv;
  let api: ApiServer | undefined;
  let h: SupervisorHarness | undefined;

  before(async () => {
    env = await startContainerd();
  });
  after(async () => {
    await h?.stop();
    await api?.stop();
    await env?.down();
  });

  async function finish(): Promise<void> {
    await h?.stop();
    await api?.stop();
    h = undefined;
    api = undefined;
    await env.removeAllPods();
  }

  test('registerNode=false: no Node POST/PUT/PATCH, only GETs for one made elsewhere; adopted once it exists', { timeout: 90_000 }, async () => {
    const a = (api = await startApiServer());
    const kubeconfig = await a.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    h = await startSupervisor(env, { settings: { kubeconfig, registerNode: false, nodeStatusUpdateFrequencyMs: 1_000, nodeLeaseDurationSeconds: 4 } });
    await h.write('nr.yaml', podYaml('nr'));
    await h.waitPod('nr', (p) => p.status?.phase === 'Running', 30_000);
    await sleep(12_000);
    const nodeRequests = a.requests.filter((r) => isNodeRequest(r.path));
    const writes = nodeRequests.filter((r) => r.method !== 'GET');
    const gets = nodeRequests.filter((r) => r.method === 'GET');
    const sinceFirst = (Date.now() - (nodeRequests[0]?.time ?? Date.now())) / 1000;
    console.log(`# registerNode=false: ${writes.length} Node writes, ${gets.length} Node GETs (registration back-off and the Lease's owner lookup) in ${sinceFirst.toFixed(0)} s; lease requests ${a.requests.filter((r) => r.path.includes('/leases/')).length}`);
    assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [], 'no Node created, replaced or patched');
    assert.equal(a.get('Node', undefined, NODE), undefined);
    assert.equal(a.get('Lease', 'kube-node-lease', NODE), undefined, 'no Lease without its owner Node');
    // Two back-offs (registration's and the Lease's, both capped at 7 s) poll for the Node.
    assert.ok(gets.length <= 2 * 8 + 2, `${gets.length} GETs: backed off`);
    const view = h.sup.controlPlaneView();
    assert.equal(view.registration?.registered, false);
    assert.equal(view.registration?.error, 'node does not exist and registerNode is false');

    // An administrator (or a provisioning tool) creates the Node: it is taken over as it is.
    a.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { made: 'elsewhere' } } });
    const made = Date.now();
    await eventually(() => (a.get('Node', undefined, NODE) as unknown as NodeObj).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', { timeoutMs: 15_000, what: 'Ready on the adopted Node' });
    const lease = await eventually(() => a.get('Lease', 'kube-node-lease', NODE) as unknown as LeaseObj | undefined, { timeoutMs: 15_000, what: 'lease' });
    console.log(`# adopted: Ready and Lease ${Date.now() - made} ms after the Node was created`);
    assert.equal(lease.metadata.ownerReferences?.[0]?.name, NODE);
    assert.equal(a.requests.filter((r) => r.method === 'POST' && r.path === NODES).length, 0);
    assert.equal(h.sup.controlPlaneView().registration?.registered, true);
    assert.equal(cs(h.pod('nr')!, 'main')?.restartCount, 0);
    await finish();
  });

  test('a 403 on the Node create: retried with the back-off, pods untouched, the reason in `staticlet node`', { timeout: 90_000 }, async () => {
    let refuse = true;
    const b = (api = await startApiServer({
      authorize: (x: Attributes) => (refuse && x.resource === 'nodes' && x.verb === 'create' ? { allowed: false, reason: 'node registration is closed' } : { allowed: true }),
    }));
    const kubeconfig = await b.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    h = await startSupervisor(env, { settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 1_000, nodeLeaseDurationSeconds: 4 } });
    await h.write('fb.yaml', podYaml('fb'));
    const running = await h.waitPod('fb', (p) => p.status?.phase === 'Running', 30_000);
    const id = cs(running, 'main')?.containerID;
    await eventually(() => b.requests.filter((r) => r.method === 'POST' && r.path === NODES).length >= 6, { timeoutMs: 20_000, intervalMs: 100, what: 'six refused creates' });
    const posts = b.requests.filter((r) => r.method === 'POST' && r.path === NODES);
    const gaps = posts.slice(1).map((p, i) => p.time - posts[i]!.time);
    console.log(`# 403: creates ${gaps.map((g) => `${g}`).join(', ')} ms apart`);
    assert.ok(posts.every((p) => p.status === 403));
    // The kubelet's back-off: the sleep before each attempt doubles (100 ms, 200 ms, ... to 7 s).
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! > gaps[i - 1]!, `gaps grow: ${gaps.join(', ')}`);
    assert.ok(gaps.at(-1)! >= 4 * gaps[0]!, `backed off: ${gaps.join(', ')}`);
    // After a 403 the kubelet looks for an existing Node to adopt: GETs, no writes.
    assert.deepEqual(b.requests.filter((r) => isNodeRequest(r.path) && r.method !== 'GET' && r.method !== 'POST').map((r) => r.method), []);
    assert.ok(b.requests.some((r) => r.method === 'GET' && r.path === NODE_PATH && r.status === 404));

    const view = h.sup.controlPlaneView();
    assert.equal(view.registration?.registered, false);
    assert.match(view.registration?.error ?? '', /^403: nodes is forbidden: User "system:node:node-1" cannot create resource "nodes" .*node registration is closed/);
    assert.ok(view.registration?.since);
    const out = captureOutput();
    assert.equal(await showNode({ statusSocket: h.settings.statusSocket }, out.out), 0, out.stderr());
    assert.match(out.stdout(), /\n {2}Registration: +not registered since .*: 403: nodes is forbidden/);
    assert.match(out.stdout(), /\nCreationTimestamp: +<not registered>\n/);
    const c = cs(h.pod('fb')!, 'main');
    assert.equal(c?.containerID, id);
    assert.equal(c?.restartCount, 0);

    // Allowed again: registered at the next attempt (at most 7 s later).
    refuse = false;
    const opened = Date.now();
    await eventually(() => h!.sup.controlPlaneView().registration?.registered === true, { timeoutMs: 10_000, intervalMs: 50, what: 'registered' });
    console.log(`# registered ${Date.now() - opened} ms after creates were allowed`);
    assert.ok(b.get('Node', undefined, NODE));
    await finish();
  });
});
