// The heartbeat with the kubelet's default cadence, against the emulator with a real containerd
// and 20 running pods: the Lease renewed every 10 s, no node status PATCH while nothing changes
// but the nodeStatusReportFrequency report, and Ready following the runtime when containerd
// is killed and started again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { cs, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually, podYaml } from '../../helpers/manifests.js';

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type NodeObj = { status?: { conditions?: Cond[] } };
type LeaseObj = { spec?: { renewTime?: string; leaseDurationSeconds?: number } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STATUS_PATH = `/api/v1/nodes/${NODE}/status`;
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`;
const PODS = 20;
const REPORT_MS = 20_000;
const IDLE_MS = 60_000;

describe('control plane heartbeat at the default cadence, 20 pods', { timeout: 240_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  const node = () => api.get('Node', undefined, NODE) as unknown as NodeObj | undefined;
  const lease = () => api.get('Lease', 'kube-node-lease', NODE) as unknown as LeaseObj | undefined;
  const ready = () => node()?.status?.conditions?.find((c) => c.type === 'Ready');
  const names = Array.from({ length: PODS }, (_, i) => `hb-${String(i).padStart(2, '0')}`);

  before(async () => {
    api = await startApiServer();
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    // The kubelet's defaults (lease 40 s → renewed every 10 s; status computed every 10 s) but a
    // report frequency of 20 s instead of 5 min, so that a report falls inside the idle window.
    h = await startSupervisor(env, { settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 10_000, nodeStatusReportFrequencyMs: REPORT_MS, nodeLeaseDurationSeconds: 40 } });
    for (const n of names) await h.write(`${n}.yaml`, podYaml(n));
    await eventually(() => names.every((n) => h.pod(n)?.status?.phase === 'Running'), { timeoutMs: 120_000, intervalMs: 250, what: `${PODS} pods running` });
    await eventually(() => ready()?.status === 'True', { timeoutMs: 20_000, what: 'node Ready' });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test(`idle for ${IDLE_MS / 1000} s: the Lease renewed every 10 s ± 1 s, status PATCHed only for the ${REPORT_MS / 1000} s report`, { timeout: 90_000 }, async () => {
    // Let what the pods' start changed (images, a transition) go out first.
    await sleep(11_000);
    const from = Date.now();
    const first = api.requests.length;
    await sleep(IDLE_MS);
    const seen = api.requests.slice(first).filter((r) => r.time >= from);
    const renewals = seen.filter((r) => r.method === 'PUT' && r.path === LEASE_PATH && r.status === 200).map((r) => r.time);
    const intervals = renewals.slice(1).map((t, i) => t - renewals[i]!);
    const patches = seen.filter((r) => r.method === 'PATCH' && r.path === STATUS_PATH).map((r) => r.time);
    const gaps = patches.slice(1).map((t, i) => t - patches[i]!);
    console.log(`# idle ${IDLE_MS / 1000} s with ${PODS} pods: ${seen.length} requests; lease renewals ${renewals.length}, intervals ${intervals.map((i) => (i / 1000).toFixed(2)).join(', ')} s; status PATCHes ${patches.length}${gaps.length ? `, ${gaps.map((g) => (g / 1000).toFixed(1)).join(', ')} s apart` : ''}`);
    console.log(`# idle requests: ${[...new Set(seen.map((r) => `${r.method} ${r.path}`))].join(', ')}`);
    assert.ok(intervals.length >= 3, `at least three renewal intervals (${intervals.length})`);
    for (const i of intervals) assert.ok(Math.abs(i - 10_000) <= 1_000, `renewal interval ${i} ms is 10 s ± 1 s`);
    // The stored renewTime follows (MicroTime, within a second of the request).
    assert.ok(Math.abs(Date.parse(lease()!.spec!.renewTime!) - renewals.at(-1)!) < 1_000);
    assert.equal(lease()!.spec!.leaseDurationSeconds, 40);
    // Nothing changes while idle: the only PATCHes are the periodic reports, at least the report
    // frequency apart (the status is computed every 10 s, so 20-30 s), 2-3 in 60 s.
    assert.ok(patches.length >= 2 && patches.length <= 3, `${patches.length} status PATCHes in ${IDLE_MS / 1000} s`);
    for (const g of gaps) assert.ok(g >= REPORT_MS - 500, `PATCHes ${g} ms apart: only the report-driven ones`);
    // And the mirror pods' housekeeping list of this node's pods; no pod status PATCH while idle.
    assert.ok(
      seen.every((r) => (r.method === 'PUT' && r.path === LEASE_PATH) || (r.method === 'PATCH' && r.path === STATUS_PATH) || (r.method === 'GET' && r.path === '/api/v1/pods' && r.query['fieldSelector'] === `spec.nodeName=${NODE}`)),
      'only Lease renewals, status reports and mirror housekeeping lists',
    );
  });

  test('containerd killed: Ready=False KubeletNotReady with the runtime error within 15 s; started again: Ready=True', { timeout: 90_000 }, async () => {
    const ids = new Map(names.map((n) => [n, cs(h.pod(n)!, 'main')?.containerID]));
    await env.kill();
    const killed = Date.now();
    const notReady = await eventually(() => (ready()?.status === 'False' ? ready() : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'Ready=False' });
    const downMs = Date.now() - killed;
    console.log(`# Ready=False ${downMs} ms after containerd was killed: ${notReady.reason}: ${notReady.message}`);
    assert.ok(downMs <= 15_000, `Ready=False after ${downMs} ms`);
    assert.equal(notReady.reason, 'KubeletNotReady');
    assert.match(notReady.message ?? '', /^container runtime is down: /);
    await env.start();
    const started = Date.now();
    await eventually(() => ready()?.status === 'True', { timeoutMs: 20_000, intervalMs: 50, what: 'Ready=True again' });
    console.log(`# Ready=True ${Date.now() - started} ms after containerd started again`);
    assert.equal(ready()?.reason, 'KubeletReady');
    // The pods were left running through it: same containers, no restarts.
    await eventually(() => names.every((n) => h.pod(n)?.status?.phase === 'Running'), { timeoutMs: 30_000, what: 'pods running' });
    for (const n of names) {
      const c = cs(h.pod(n)!, 'main');
      assert.equal(c?.containerID, ids.get(n), `${n} kept its container`);
      assert.equal(c?.restartCount, 0);
    }
  });
});
