// Mirror pods against the kube-apiserver emulator with a real containerd, one supervisor for the
// file: the kubelet NodeConformance cases (mirror_pod_test.go, mirror_pod_grace_period_test.go)
// with their assertions (validateMirrorPod), and a mirror pod the API server refuses.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KubeConfig, Watch } from '@kubernetes/client-node';
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
const execFileP = promisify(execFile);
/** The busybox image under a second name: an image change the runtime sees as one (no registry here). */
const BUSYBOX_V2 = 'staticlet.local/busybox:v2';
const HASH = 'kubernetes.io/config.hash';
const MIRROR = 'kubernetes.io/config.mirror';
const SOURCE = 'kubernetes.io/config.source';

/** A pod that exits on SIGTERM after `termSleep` seconds (100: the e2e's, outlives any grace period); grace period `grace`. */
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

/** The e2e's update target: the pause image, no command (it sleeps until SIGTERM). */
function pausePod(name: string, image: string, grace = 2): string {
  return manifest(name, [`  terminationGracePeriodSeconds: ${grace}`, '  containers:', '    - name: main', `      image: ${image}`, ''].join('\n'));
}

describe('control plane: mirror pods against the emulator', { timeout: 600_000 }, () => {
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
    await execFileP('ctr', ['-a', env.socket, '-n', 'k8s.io', 'images', 'tag', '--force', env.busyboxImage, BUSYBOX_V2]);
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

  test('static pod updated to another image (pause): mirror recreated with a new UID, Running, one container with the new image', async () => {
    const old = mirror('web')!;
    await h.write('web.yaml', pausePod('web', env.pauseImage));
    const t0 = Date.now();
    const m = await eventually(() => {
      const p = mirror('web');
      return p && p.metadata?.uid !== old.metadata?.uid && running(p) ? p : undefined;
    }, { timeoutMs: 20_000, intervalMs: 20, what: 'updated mirror Running' });
    console.log(`# mirror of the updated pod Running ${Date.now() - t0} ms after the manifest changed`);
    const staticPod = h.pod('web')!;
    assert.notEqual(staticPod.metadata?.annotations?.[HASH], old.metadata?.annotations?.[MIRROR]);
    validateMirrorPod(staticPod, m);
    assert.deepEqual(m.spec?.containers.map((c) => c.image), [env.pauseImage]);
    assert.equal(m.status?.containerStatuses?.[0]?.image, env.pauseImage);
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

  test('updates of activeDeadlineSeconds, a container image and an init container image: mirror recreated each time (new UID, new hash)', async () => {
    const spec = (o: { deadline?: number; image?: string; initImage?: string }) =>
      manifest(
        'again',
        [
          '  terminationGracePeriodSeconds: 2',
          o.deadline ? `  activeDeadlineSeconds: ${o.deadline}` : '',
          '  initContainers:',
          '    - name: init',
          `      image: ${o.initImage ?? BUSYBOX}`,
          '      command: ["true"]',
          '  containers:',
          '    - name: main',
          `      image: ${o.image ?? BUSYBOX}`,
          `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`,
          '',
        ].filter((l) => l).join('\n'),
      );
    for (const [what, text, check] of [
      ['init container added', spec({}), (m: Pod) => assert.equal(m.spec?.initContainers?.[0]?.image, BUSYBOX)],
      ['activeDeadlineSeconds', spec({ deadline: 3600 }), (m: Pod) => assert.equal(m.spec?.activeDeadlineSeconds, 3600)],
      ['container image', spec({ deadline: 3600, image: BUSYBOX_V2 }), (m: Pod) => assert.equal(m.status?.containerStatuses?.[0]?.image, BUSYBOX_V2)],
      ['init container image', spec({ deadline: 3600, image: BUSYBOX_V2, initImage: BUSYBOX_V2 }), (m: Pod) => assert.equal(m.status?.initContainerStatuses?.[0]?.image, BUSYBOX_V2)],
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
      check(m);
    }
  });

  /** Polls the mirror every 200 ms for `forMs`, as the e2e does: same UID and Running throughout. */
  async function keptRunning(name: string, uid: string | undefined, forMs: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < forMs) {
      const p = mirror(name);
      assert.equal(p?.metadata?.uid, uid, `mirror kept (same UID) ${Date.now() - t0} ms into the grace period`);
      assert.ok(running(p), `mirror Running ${Date.now() - t0} ms into the grace period: ${p?.status?.phase}`);
      await sleep(200);
    }
    return Date.now() - t0;
  }

  test('grace period: static pod (grace 20 s, traps SIGTERM) deleted: the mirror keeps its UID and stays Running 19 s, then goes', async () => {
    await h.write('grace.yaml', trapping('grace', { grace: 20, termSleep: 100 }));
    const m = await eventually(() => (running(mirror('grace')) ? mirror('grace') : undefined), { timeoutMs: 30_000, what: 'mirror Running' });
    await h.remove('grace.yaml');
    const kept = await keptRunning('grace', m.metadata?.uid, 19_000);
    const t1 = Date.now();
    await eventually(() => !mirror('grace'), { timeoutMs: 10_000, intervalMs: 100, what: 'mirror deleted after the grace period' });
    console.log(`# deleted with grace 20 s: mirror kept Running ${kept} ms, gone ${Date.now() - t1} ms later`);
    assert.equal(h.pod('grace'), undefined);
  });

  test('grace period: static pod (grace 20 s) updated: the old mirror stays Running 19 s, then the new one runs the new image', async () => {
    await h.write('grace.yaml', trapping('grace', { grace: 20, termSleep: 100 }));
    const m = await eventually(() => (running(mirror('grace')) ? mirror('grace') : undefined), { timeoutMs: 30_000, what: 'mirror Running' });
    await h.write('grace.yaml', pausePod('grace', env.pauseImage));
    await keptRunning('grace', m.metadata?.uid, 19_000);
    const next = await eventually(() => {
      const p = mirror('grace');
      return p && p.metadata?.uid !== m.metadata?.uid && running(p) ? p : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100, what: 'new mirror Running' });
    validateMirrorPod(h.pod('grace')!, next);
    assert.equal(next.status?.containerStatuses?.[0]?.image, env.pauseImage);
    await h.remove('grace.yaml');
    await eventually(() => !mirror('grace') && !h.pod('grace'), { timeoutMs: 20_000, what: 'grace pod and mirror gone' });
  });

  test('updated 50 times (100 ms apart) during its 20 s grace period: the old mirror stays, then the last version (pause) gets one', async () => {
    await h.write('grace.yaml', trapping('grace', { grace: 20, termSleep: 100 }));
    const first = await eventually(() => (running(mirror('grace')) ? mirror('grace') : undefined), { timeoutMs: 30_000, what: 'mirror Running' });
    const t0 = Date.now();
    const kept: string[] = [];
    // As the e2e: versions with images that do not exist, then the pause image; none may start
    // before the old pod has finished, and only the last one is ever run.
    for (let i = 1; i <= 50; i++) {
      await h.write('grace.yaml', i === 50 ? pausePod('grace', env.pauseImage) : trapping('grace', { grace: 20, image: `staticlet.local/no-such-image:v${i}` }));
      const m = mirror('grace');
      kept.push(m?.metadata?.uid === first.metadata?.uid && running(m) ? 'same' : `changed:${m?.metadata?.uid}:${m?.status?.phase}`);
      await sleep(100);
    }
    assert.ok(kept.every((k) => k === 'same'), `the old mirror is kept Running while the old pod terminates: ${kept.join(',')}`);
    const last = await h.waitPod('grace', (p) => p.status?.phase === 'Running' && p.spec?.containers[0]?.image === env.pauseImage, 40_000);
    const m = await eventually(() => {
      const p = mirror('grace');
      return p?.metadata?.annotations?.[MIRROR] === last.metadata?.annotations?.[HASH] && running(p) ? p : undefined;
    }, { timeoutMs: 10_000, intervalMs: 20, what: 'mirror of the last version' });
    console.log(`# 50 updates during the grace period: the mirror of the last version Running ${Date.now() - t0} ms after the first`);
    validateMirrorPod(last, m);
    assert.equal(m.status?.containerStatuses?.[0]?.image, env.pauseImage);
    await h.remove('grace.yaml');
    await eventually(() => !mirror('grace') && !h.pod('grace'), { timeoutMs: 20_000, what: 'grace pod and mirror gone' });
  });

  test('API server down 60 s during a static pod update: mirror and status converge within 10 s of its return', async () => {
    const old = mirror('again')!;
    await api.fault({ down: true });
    const down = Date.now();
    await h.write('again.yaml', trapping('again', { marker: 'outage' }));
    await h.waitPod('again', (p) => p.status?.phase === 'Running' && p.spec?.containers[0]?.command?.[2]?.includes('echo outage') === true, 30_000);
    await sleep(60_000 - (Date.now() - down));
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

  test('supervisor restart does not change container status: no watch event flips phase, readiness, started or restart count', async () => {
    // As the e2e: a Ready pod with startup and readiness probes, watched through the API server.
    await h.write(
      'probed.yaml',
      manifest(
        'probed',
        [
          '  terminationGracePeriodSeconds: 2',
          '  containers:',
          '    - name: main',
          `      image: ${BUSYBOX}`,
          `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`,
          '      startupProbe: { exec: { command: ["true"] }, periodSeconds: 1 }',
          '      readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 }',
          '',
        ].join('\n'),
      ),
    );
    const names = ['again', 'denied', 'probed'].map(full);
    await eventually(() => names.every((n) => running(api.get('Pod', 'default', n) as unknown as Pod)), { timeoutMs: 30_000, what: 'mirrors Running and Ready' });
    const before = new Map(names.map((n) => [n, api.get('Pod', 'default', n) as unknown as Pod]));
    const kc = new KubeConfig();
    kc.loadFromFile(admin);
    const flips: string[] = [];
    let events = 0;
    let closing = false;
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: String(api.resourceVersion) },
      (type: string, p: Pod) => {
        const n = p.metadata?.name ?? '';
        if (!names.includes(n)) return;
        events++;
        const was = before.get(n)!;
        if (type !== 'MODIFIED') flips.push(`${n}: ${type}`);
        if (p.metadata?.uid !== was.metadata?.uid) flips.push(`${n}: uid ${p.metadata?.uid}`);
        if (p.status?.phase !== 'Running') flips.push(`${n}: phase ${p.status?.phase}`);
        for (const c of p.status?.containerStatuses ?? []) {
          if (c.restartCount > 0) flips.push(`${n}: restartCount ${c.restartCount}`);
          if (c.started !== true) flips.push(`${n}: started ${c.started}`);
          if (c.ready !== true) flips.push(`${n}: ready ${c.ready}`);
        }
      },
      (err: unknown) => {
        if (err && !closing) flips.push(`watch ended: ${String(err)}`);
      },
    );
    try {
      const settings = h.settings;
      const dir = h.dir;
      await h.stop();
      const from = api.requests.length;
      h = await startSupervisor(env, { dir, settings: { kubeconfig: settings.kubeconfig, nodeStatusUpdateFrequencyMs: 1_000, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 4 } });
      await eventually(() => api.requests.slice(from).some((r) => r.method === 'GET' && r.path === '/api/v1/pods' && r.status === 200), { timeoutMs: 20_000, what: 'the restarted supervisor listing mirrors' });
      await eventually(() => names.every((n) => h.pod(n.slice(0, -NODE.length - 1))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'), { timeoutMs: 20_000, what: 'adopted pods Ready' });
      await sleep(12_000);
      const statusPatches = api.requests.slice(from).filter((r) => r.method === 'PATCH' && /\/pods\/[^/]+\/status$/.test(r.path)).length;
      const creates = api.requests.slice(from).filter((r) => r.method === 'POST' && r.path.endsWith('/pods')).length;
      console.log(`# supervisor restart: ${events} watch events on the mirrors, ${statusPatches} pod status PATCHes, ${creates} mirror POSTs`);
      assert.equal(creates, 0);
    } finally {
      closing = true;
      req.abort();
    }
    assert.deepEqual(flips, []);
    for (const n of names) {
      const p = api.get('Pod', 'default', n) as unknown as Pod;
      assert.equal(p.metadata?.uid, before.get(n)!.metadata?.uid);
      assert.ok(running(p), n);
    }
  });
});
