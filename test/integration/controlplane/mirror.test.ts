// Mirror pods against the kube-apiserver emulator with a real containerd, one supervisor for the
// file: the kubelet NodeConformance cases (mirror_pod_test.go, mirror_pod_grace_period_test.go)
// with their assertions (validateMirrorPod), and a mirror pod the API server refuses.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually } from '../../helpers/manifests.js';
import { HAVE_KUBECTL, kubectl } from '../../support/kubectl.js';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import type { ApiServerControlPlane } from '../../../src/controlplane/controller.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HASH = 'kubernetes.io/config.hash';
const MIRROR = 'kubernetes.io/config.mirror';
const SOURCE = 'kubernetes.io/config.source';

/** A pod that exits on SIGTERM after `termSleep` seconds; grace period `grace`. */
function trapping(name: string, opts: { image?: string; marker?: string; grace?: number; termSleep?: number } = {}): string {
  const onTerm = opts.termSleep ? `sleep ${opts.termSleep}; exit 0` : 'exit 0';
  return manifest(
    name,
    [
      `  terminationGracePeriodSeconds: ${opts.grace ?? 2}`,
      '  containers:',
      '    - name: main',
      `      image: ${opts.image ?? BUSYBOX}`,
      `      command: ["sh", "-c", ${JSON.stringify(`trap '${onTerm}' TERM; echo ${opts.marker ?? 'v1'}; while true; do sleep 0.2; done`)}]`,
      '',
    ].join('\n'),
  );
}

describe('control plane: mirror pods against the emulator', { timeout: 240_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let admin: string;
  const full = (name: string) => `${name}-${NODE}`;
  const mirror = (name: string, ns = 'default') => api.get('Pod', ns, full(name)) as unknown as Pod | undefined;
  const nodeUid = () => (api.get('Node', undefined, NODE) as unknown as { metadata: { uid: string } } | undefined)?.metadata.uid;
  const running = (p: Pod | undefined) => p?.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const cp = () => h.sup.controlPlaneInstance as ApiServerControlPlane;

  /** The kubelet e2e's validateMirrorPod. */
  function validateMirrorPod(staticPod: Pod, m: Pod): void {
    const a = m.metadata?.annotations ?? {};
    assert.equal(a[MIRROR], staticPod.metadata?.annotations?.[HASH], 'config.mirror = the static pod hash');
    assert.equal(a[HASH], a[MIRROR], 'config.hash = config.mirror');
    assert.ok(a[SOURCE] && a[SOURCE] !== 'api', `config.source set and not api: ${a[SOURCE]}`);
    assert.deepEqual(m.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: nodeUid(), controller: true }]);
    assert.equal(m.spec?.nodeName, NODE);
    assert.notEqual(m.metadata?.uid, staticPod.metadata?.uid);
  }

  before(async () => {
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } } });
    admin = await api.kubeconfig('admin');
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    h = await startSupervisor(env, { settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 1_000, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 4 } });
    await eventually(() => nodeUid(), { timeoutMs: 20_000, what: 'node registered' });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test('mirror pod created within 2 s of the static pod running, validated, Running and Ready', async () => {
    await h.write('web.yaml', trapping('web'));
    const staticPod = await h.waitPod('web', (p) => p.status?.phase === 'Running', 60_000);
    const t0 = Date.now();
    const m = await eventually(() => mirror('web'), { timeoutMs: 2_000, intervalMs: 20, what: 'mirror pod' });
    console.log(`# mirror pod present ${Date.now() - t0} ms after the static pod was seen Running (created at ${m.metadata?.creationTimestamp})`);
    validateMirrorPod(staticPod, m);
    await eventually(() => running(mirror('web')), { timeoutMs: 2_000, intervalMs: 20, what: 'mirror Running and Ready' });
    console.log(`# mirror pod Running and Ready ${Date.now() - t0} ms after the static pod was seen Running`);
    assert.deepEqual(cp().view().mirrorPods, { count: 1, rejected: [] });
  });

  test('kubectl get pods -A -o wide shows the mirror Running, 1/1 Ready, 0 restarts, on the node', { skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, async () => {
    const r = await kubectl(admin, join(api.dir, 'kubectl-cache'), ['get', 'pods', '-A', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    console.log(r.stdout.split('\n').map((l) => `# ${l}`).join('\n'));
    const row = r.stdout.split('\n').find((l) => l.split(/\s+/)[1] === full('web'));
    assert.ok(row, r.stdout);
    const cols = row.split(/\s+/);
    assert.deepEqual(cols.slice(0, 5), ['default', full('web'), '1/1', 'Running', '0']);
    assert.ok(row.includes(NODE), row);
  });

  test('static pod updated (new hash): mirror recreated with a new UID and the new hash, Running', async () => {
    const old = mirror('web')!;
    await h.write('web.yaml', trapping('web', { marker: 'v2' }));
    const t0 = Date.now();
    const m = await eventually(() => {
      const p = mirror('web');
      return p && p.metadata?.uid !== old.metadata?.uid && running(p) ? p : undefined;
    }, { timeoutMs: 20_000, intervalMs: 20, what: 'updated mirror Running' });
    console.log(`# mirror of the updated pod Running ${Date.now() - t0} ms after the manifest changed`);
    const staticPod = h.pod('web')!;
    assert.notEqual(staticPod.metadata?.annotations?.[HASH], old.metadata?.annotations?.[MIRROR]);
    validateMirrorPod(staticPod, m);
  });

  for (const force of [false, true]) {
    test(`mirror ${force ? 'force-deleted' : 'gracefully deleted'} by an admin: recreated with a new UID, Running`, { skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, async () => {
      const old = mirror('web')!;
      const t0 = Date.now();
      const r = await kubectl(admin, join(api.dir, 'kubectl-cache'), ['delete', 'pod', '-n', 'default', full('web'), '--wait=false', ...(force ? ['--grace-period=0', '--force'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      const m = await eventually(() => {
        const p = mirror('web');
        return p && p.metadata?.uid !== old.metadata?.uid && !p.metadata?.deletionTimestamp && running(p) ? p : undefined;
      }, { timeoutMs: 4_000, intervalMs: 20, what: 'recreated mirror Running' });
      console.log(`# ${force ? 'force' : 'graceful'} delete: mirror recreated and Running after ${Date.now() - t0} ms`);
      validateMirrorPod(h.pod('web')!, m);
      assert.equal(h.pod('web')?.metadata?.uid, h.pod('web')?.metadata?.annotations?.[HASH], 'the static pod was not touched');
    });
  }

  test('manifest removed: the mirror keeps its UID through the grace period, then goes', async () => {
    await h.write('web.yaml', trapping('web', { marker: 'v3', grace: 10, termSleep: 3 }));
    const staticPod = await h.waitPod('web', (p) => p.status?.phase === 'Running' && p.metadata?.annotations?.[HASH] !== undefined && (p.spec?.terminationGracePeriodSeconds ?? 0) === 10, 30_000);
    const m = await eventually(() => {
      const p = mirror('web');
      return p?.metadata?.annotations?.[MIRROR] === staticPod.metadata?.annotations?.[HASH] && running(p) ? p : undefined;
    }, { timeoutMs: 20_000, what: 'mirror of the 10 s grace pod' });
    await h.remove('web.yaml');
    const t0 = Date.now();
    await eventually(() => h.pod('web')?.metadata?.deletionTimestamp, { timeoutMs: 5_000, what: 'static pod terminating' });
    // The pod traps SIGTERM for 3 s: its mirror stays meanwhile, same UID.
    while (h.pod('web')) {
      const now = mirror('web');
      if (Date.now() - t0 < 2_000) assert.equal(now?.metadata?.uid, m.metadata?.uid, 'mirror kept while the static pod terminates');
      await sleep(50);
      if (Date.now() - t0 > 20_000) assert.fail('static pod did not terminate');
    }
    const gone = Date.now();
    await eventually(() => !mirror('web'), { timeoutMs: 4_000, intervalMs: 20, what: 'mirror deleted' });
    console.log(`# manifest removed: static pod gone after ${gone - t0} ms, mirror deleted ${Date.now() - gone} ms later`);
  });

  test('manifest removed and re-added unchanged: mirror Running again', async () => {
    await h.write('again.yaml', trapping('again'));
    await eventually(() => running(mirror('again')), { timeoutMs: 30_000, what: 'mirror Running' });
    await h.remove('again.yaml');
    await eventually(() => !h.pod('again') && !mirror('again'), { timeoutMs: 10_000, what: 'pod and mirror gone' });
    await h.write('again.yaml', trapping('again'));
    const t0 = Date.now();
    const m = await eventually(() => (running(mirror('again')) ? mirror('again') : undefined), { timeoutMs: 20_000, intervalMs: 20, what: 'mirror Running again' });
    console.log(`# re-added: mirror Running ${Date.now() - t0} ms after the manifest came back`);
    validateMirrorPod(h.pod('again')!, m);
  });

  test('activeDeadlineSeconds and an init container updated: mirror recreated each time (new UID, new hash)', async () => {
    const spec = (extra: string, initCmd: string) =>
      manifest(
        'again',
        [
          '  terminationGracePeriodSeconds: 2',
          extra,
          '  initContainers:',
          '    - name: init',
          `      image: ${BUSYBOX}`,
          `      command: ["sh", "-c", ${JSON.stringify(initCmd)}]`,
          '  containers:',
          '    - name: main',
          `      image: ${BUSYBOX}`,
          `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`,
          '',
        ].filter((l) => l).join('\n'),
      );
    for (const [what, text] of [
      ['init container', spec('', 'true')],
      ['activeDeadlineSeconds', spec('  activeDeadlineSeconds: 3600', 'true')],
      ['init container command', spec('  activeDeadlineSeconds: 3600', 'echo changed')],
    ] as const) {
      const old = mirror('again')!;
      await h.write('again.yaml', text);
      const t0 = Date.now();
      const m = await eventually(() => {
        const p = mirror('again');
        return p && p.metadata?.uid !== old.metadata?.uid && running(p) ? p : undefined;
      }, { timeoutMs: 20_000, intervalMs: 20, what: `mirror after the ${what} update` });
      console.log(`# ${what} updated: mirror recreated and Running after ${Date.now() - t0} ms`);
      validateMirrorPod(h.pod('again')!, m);
      assert.notEqual(m.metadata?.annotations?.[MIRROR], old.metadata?.annotations?.[MIRROR]);
    }
    assert.equal(mirror('again')?.spec?.activeDeadlineSeconds, 3600);
  });

  test('updated 50 times (100 ms apart) while the old pod traps SIGTERM: the old mirror stays, then the last version gets one', async () => {
    await h.write('grace.yaml', trapping('grace', { grace: 10, termSleep: 3 }));
    const first = await eventually(() => (running(mirror('grace')) ? mirror('grace') : undefined), { timeoutMs: 30_000, what: 'mirror Running' });
    const t0 = Date.now();
    const kept: string[] = [];
    for (let i = 1; i <= 50; i++) {
      await h.write('grace.yaml', trapping('grace', { grace: 10, termSleep: 3, marker: `v${i}` }));
      const m = mirror('grace');
      if (Date.now() - t0 < 2_500) kept.push(m?.metadata?.uid === first.metadata?.uid && running(m) ? 'same' : `changed:${m?.metadata?.uid}:${m?.status?.phase}`);
      await sleep(100);
    }
    assert.ok(kept.length > 10 && kept.every((k) => k === 'same'), `the old mirror is kept Running while the old pod terminates: ${kept.join(',')}`);
    const last = await h.waitPod('grace', (p) => p.status?.phase === 'Running' && p.spec?.containers[0]?.command?.[2]?.includes('echo v50') === true, 30_000);
    const m = await eventually(() => {
      const p = mirror('grace');
      return p?.metadata?.annotations?.[MIRROR] === last.metadata?.annotations?.[HASH] && running(p) ? p : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20, what: 'mirror of the last version' });
    console.log(`# 50 updates in ${Date.now() - t0 - 0} ms: the mirror of the last version Running (first one kept ${kept.length} looks)`);
    validateMirrorPod(last, m);
    await h.remove('grace.yaml');
    await eventually(() => !mirror('grace') && !h.pod('grace'), { timeoutMs: 20_000, what: 'grace pod and mirror gone' });
  });

  test('API server down during a static pod update: mirror and status converge within 10 s of its return', async () => {
    const old = mirror('again')!;
    await api.fault({ down: true });
    await h.write('again.yaml', trapping('again', { marker: 'outage' }));
    await h.waitPod('again', (p) => p.status?.phase === 'Running' && p.spec?.containers[0]?.command?.[2]?.includes('echo outage') === true, 30_000);
    await sleep(8_000);
    await api.fault(null);
    const back = Date.now();
    const m = await eventually(() => {
      const p = mirror('again');
      return p && p.metadata?.uid !== old.metadata?.uid && running(p) ? p : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50, what: 'mirror after the outage' });
    console.log(`# API server back: mirror of the updated pod Running ${Date.now() - back} ms later`);
    validateMirrorPod(h.pod('again')!, m);
  });

  test('a refused mirror pod: the static pod runs, Warning event, reason in the view, create retried with back-off', async () => {
    api.denyMirrorPods('mirror pods are not allowed here (test webhook)');
    const path = '/api/v1/namespaces/default/pods';
    const from = api.requests.length;
    await h.write('denied.yaml', trapping('denied'));
    const p = await h.waitPod('denied', (x) => x.status?.phase === 'Running', 60_000);
    await eventually(() => h.sup.events(p.metadata!.uid!).find((e) => e.type === 'Warning' && e.reason === 'FailedCreateMirrorPod'), { timeoutMs: 5_000, what: 'Warning event' });
    const ev = h.sup.events(p.metadata!.uid!).find((e) => e.reason === 'FailedCreateMirrorPod')!;
    assert.match(ev.message, /mirror pods are not allowed here \(test webhook\)/);
    assert.deepEqual(cp().view().mirrorPods?.rejected.map((r) => r.pod), [`default/${full('denied')}`]);
    assert.match(cp().view().mirrorPods!.rejected[0]!.reason, /is forbidden: mirror pods are not allowed here/);
    await sleep(25_000);
    const posts = api.requests.slice(from).filter((r) => r.method === 'POST' && r.path === path);
    console.log(`# refused mirror: ${posts.length} POSTs in ${Math.round((Date.now() - api.requests[from]!.time) / 1000)} s (${posts.map((r) => r.time - posts[0]!.time).join(', ')} ms)`);
    assert.ok(posts.length >= 2 && posts.length <= 3, `POSTs: ${posts.length}`);
    assert.equal(h.pod('denied')?.status?.phase, 'Running');
    assert.equal(mirror('denied'), undefined);
    // Allowed again: the next retry creates it.
    api.denyMirrorPods(null);
    await eventually(() => running(mirror('denied')), { timeoutMs: 25_000, intervalMs: 100, what: 'mirror after the refusal ends' });
    assert.deepEqual(cp().view().mirrorPods?.rejected, []);
  });

  test('supervisor restart: the mirrors keep their UID, phase, readiness and restart count', async () => {
    const names = ['again', 'denied'];
    const before = new Map(names.map((n) => [n, mirror(n)!]));
    const flips: string[] = [];
    const look = () => {
      for (const n of names) {
        const p = mirror(n);
        const was = before.get(n)!;
        if (p?.metadata?.uid !== was.metadata?.uid) flips.push(`${n}: uid ${p?.metadata?.uid}`);
        if (!running(p)) flips.push(`${n}: ${p?.status?.phase} ready=${p?.status?.conditions?.find((c) => c.type === 'Ready')?.status}`);
        const restarts = p?.status?.containerStatuses?.map((c) => c.restartCount).join(',');
        if (restarts !== was.status?.containerStatuses?.map((c) => c.restartCount).join(',')) flips.push(`${n}: restarts ${restarts}`);
      }
    };
    const poll = setInterval(look, 10);
    try {
      const settings = h.settings;
      const dir = h.dir;
      await h.stop();
      const from = api.requests.length;
      h = await startSupervisor(env, { dir, settings: { kubeconfig: settings.kubeconfig, nodeStatusUpdateFrequencyMs: 1_000, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 4 } });
      await eventually(() => api.requests.slice(from).some((r) => r.method === 'GET' && r.path === '/api/v1/pods' && r.status === 200), { timeoutMs: 20_000, what: 'the restarted supervisor listing mirrors' });
      await sleep(3_000);
      look();
      const statusPatches = api.requests.slice(from).filter((r) => r.method === 'PATCH' && /\/pods\/[^/]+\/status$/.test(r.path)).length;
      const creates = api.requests.slice(from).filter((r) => r.method === 'POST' && r.path.endsWith('/pods')).length;
      console.log(`# supervisor restart: ${statusPatches} pod status PATCHes, ${creates} mirror POSTs, no flip`);
      assert.equal(creates, 0);
    } finally {
      clearInterval(poll);
    }
    assert.deepEqual(flips, []);
  });
});
