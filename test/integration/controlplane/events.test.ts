// Events on the API server (issue 16 item 4) with a real containerd and the emulator: pod events
// of a static pod and node events posted as core/v1 Events with source kubelet, shown by
// `kubectl describe` of the mirror pod and of the node; a crash loop's repeats patched into one
// Event; an API server outage survived with the events recorded meanwhile posted afterwards.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually } from '../../helpers/manifests.js';
import { HAVE_KUBECTL, kubectl } from '../../support/kubectl.js';
import type { ApiServerControlPlane } from '../../../src/controlplane/controller.js';
import { DEFAULT_QUEUE_LIMIT } from '../../../src/controlplane/events/sink.js';
import { createLogger } from '../../../src/logging/logger.js';
import { textSink } from '../../helpers/streams.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HASH = 'kubernetes.io/config.hash';

interface EventJson {
  metadata: { name: string; namespace: string };
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string; fieldPath?: string };
  reason: string;
  message: string;
  count: number;
  type: string;
  source: { component: string; host: string };
}

function pod(name: string, command: string, grace = 1): string {
  return manifest(name, [`  terminationGracePeriodSeconds: ${grace}`, '  containers:', '    - name: main', `      image: ${BUSYBOX}`, `      command: ["sh", "-c", ${JSON.stringify(command)}]`, ''].join('\n'));
}

/** The rows of the Events section of `kubectl describe`: [type, reason, age, from, message]. */
function describedEvents(out: string): string[][] {
  const at = out.lastIndexOf('\nEvents:');
  assert.ok(at >= 0, `no Events section:\n${out}`);
  return out
    .slice(at)
    .split('\n')
    .slice(3)
    .filter((l) => l.trim() && !l.startsWith('  ----'))
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('control plane: events on the API server', { timeout: 240_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let admin: string;
  const log = textSink();
  const warnings = () =>
    log
      .text()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; pod?: string })
      .filter((l) => l.level >= 40);
  const full = (name: string) => `${name}-${NODE}`;
  const events = () => api.list('Event') as unknown as EventJson[];
  const podEvents = (name: string) => events().filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === full(name));
  const cp = () => h.sup.controlPlaneInstance as ApiServerControlPlane;
  const run = async (args: string[]) => {
    const r = await kubectl(admin, join(api.dir, 'kubectl-cache'), args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } } });
    admin = await api.kubeconfig('admin');
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    h = await startSupervisor(env, { crashBackoffBaseMs: 500, crashBackoffMaxMs: 1_000, settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 1_000, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 4 }, logger: createLogger({ format: 'json', destination: log.stream }) });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test('node events Starting, the conditions and NodeReady are posted; kubectl describe node shows them', async () => {
    const nodeEvents = () => events().filter((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === NODE);
    const reasons = await eventually(() => {
      const r = nodeEvents().map((e) => e.reason);
      return r.includes('Starting') && r.includes('NodeReady') ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'Starting and NodeReady events' });
    for (const r of ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']) assert.ok(reasons.includes(r), `${r} in ${reasons.join(',')}`);
    for (const e of nodeEvents()) {
      assert.deepEqual(e.source, { component: 'kubelet', host: NODE });
      assert.equal(e.metadata.namespace, 'default');
      assert.deepEqual({ uid: e.involvedObject.uid, ns: e.involvedObject.namespace }, { uid: NODE, ns: undefined }, 'the kubelet nodeRef: UID = node name, no namespace');
    }
    assert.equal(nodeEvents().find((e) => e.reason === 'Starting')?.message, 'Starting staticlet.');
    if (!HAVE_KUBECTL) return;
    const rows = describedEvents(await run(['describe', 'node', NODE]));
    console.log(rows.map((r) => `# ${r.join(' | ')}`).join('\n'));
    for (const reason of ['Starting', 'NodeReady', 'NodeHasSufficientMemory']) {
      const row = rows.find((r) => r[1] === reason);
      assert.ok(row, `kubectl describe node shows ${reason}`);
      assert.match(row[3]!, /^kubelet/);
    }
  });

  test('pod events Pulled/Created/Started on the static pod (UID = config hash), source kubelet; kubectl describe pod <mirror> shows them', async () => {
    await h.write('web.yaml', pod('web', 'while true; do sleep 0.2; done'));
    const staticPod = await h.waitPod('web', (p) => p.status?.phase === 'Running', 60_000);
    assert.equal(staticPod.metadata?.uid, staticPod.metadata?.annotations?.[HASH], 'static UID = config hash');
    const posted = await eventually(() => {
      const e = podEvents('web');
      return ['Pulled', 'Created', 'Started'].every((r) => e.some((x) => x.reason === r)) ? e : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50, what: 'Pulled, Created and Started on the API server' });
    console.log(posted.map((e) => `# posted: ${e.type} ${e.reason} ${e.involvedObject.fieldPath ?? '(pod)'}: ${e.message}`).join('\n'));
    for (const e of posted) {
      assert.deepEqual(e.source, { component: 'kubelet', host: NODE });
      assert.deepEqual(
        { ns: e.metadata.namespace, kind: e.involvedObject.kind, name: e.involvedObject.name, namespace: e.involvedObject.namespace, uid: e.involvedObject.uid },
        { ns: 'default', kind: 'Pod', name: full('web'), namespace: 'default', uid: staticPod.metadata?.uid },
      );
      if (['Pulled', 'Created', 'Started'].includes(e.reason)) assert.equal(e.involvedObject.fieldPath, 'spec.containers{main}');
    }
    const mirror = await eventually(() => api.get('Pod', 'default', full('web')), { timeoutMs: 5_000, what: 'mirror pod' });
    assert.notEqual(mirror.metadata.uid, staticPod.metadata?.uid, 'the mirror has its own UID');
    if (HAVE_KUBECTL) {
      // kubectl describe of a mirror pod looks events up by the config.mirror annotation (= the static UID).
      const rows = describedEvents(await run(['describe', 'pod', '-n', 'default', full('web')]));
      console.log(rows.map((r) => `# ${r.join(' | ')}`).join('\n'));
      for (const reason of ['Pulled', 'Created', 'Started']) {
        const row = rows.find((r) => r[1] === reason);
        assert.ok(row, `kubectl describe pod <mirror> shows ${reason}`);
        assert.equal(row[0], 'Normal');
        assert.match(row[3]!, /^kubelet/);
      }
      // The server filters by UID for real: by the mirror's own UID there is nothing, so kubectl did substitute.
      const byMirrorUid = await run(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.uid=${mirror.metadata.uid}`, '-o', 'name']);
      assert.equal(byMirrorUid.trim(), '', 'no event carries the mirror UID');
      const byStaticUid = await run(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.uid=${staticPod.metadata?.uid}`, '-o', 'name']);
      assert.ok(byStaticUid.trim().split('\n').length >= 3, byStaticUid);
    }
    await h.remove('web.yaml');
    const killing = await eventually(() => podEvents('web').find((e) => e.reason === 'Killing'), { timeoutMs: 15_000, intervalMs: 50, what: 'Killing on the API server' });
    assert.equal(killing.involvedObject.uid, staticPod.metadata?.uid);
    assert.deepEqual(killing.source, { component: 'kubelet', host: NODE });
  });

  test("a crash-looping container's BackOff events are one Event with count > 1, patched", async () => {
    const before = api.requests.length;
    await h.write('crash.yaml', pod('crash', 'exit 1'));
    const backoff = await eventually(() => {
      const e = podEvents('crash').filter((x) => x.reason === 'BackOff');
      return e.length === 1 && e[0]!.count >= 3 ? e[0] : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'one BackOff event with count >= 3' });
    const eventRequests = api.requests.slice(before).filter((r) => r.path.startsWith('/api/v1/namespaces/default/events'));
    const patches = eventRequests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/events/${backoff.metadata.name}`));
    const posts = eventRequests.filter((r) => r.method === 'POST');
    console.log(`# BackOff count ${backoff.count}: ${patches.length} PATCHes of it; ${posts.length} POSTs of events in all; stats ${JSON.stringify(cp().events.stats())}`);
    assert.ok(patches.length >= 1, 'repeats are PATCHes');
    assert.ok((cp().view().events?.patched ?? 0) >= patches.length, 'staticlet node shows the patches');
    assert.ok(patches.every((r) => r.contentType?.startsWith('application/strategic-merge-patch+json')), 'strategic merge patches');
    assert.equal(podEvents('crash').filter((x) => x.reason === 'BackOff').length, 1, 'still one BackOff Event');
    await h.remove('crash.yaml');
  });

  test('API server down 20 s: no crash, queue bounded, events recorded meanwhile posted after it returns', async () => {
    const warnFrom = warnings().length;
    await api.fault({ down: true });
    const downAt = Date.now();
    await h.write('late.yaml', pod('late', 'while true; do sleep 0.2; done'));
    const late = await h.waitPod('late', (p) => p.status?.phase === 'Running', 30_000);
    while (Date.now() - downAt < 20_000) {
      assert.ok(cp().events.stats().queued <= DEFAULT_QUEUE_LIMIT, 'queue bounded');
      await sleep(500);
    }
    const during = cp().events.stats();
    assert.ok(during.queued >= 3, `events queued while down: ${JSON.stringify(during)}`);
    assert.equal(podEvents('late').length, 0);
    await api.fault(null);
    const upAt = Date.now();
    await eventually(() => {
      const e = podEvents('late');
      return ['Pulled', 'Created', 'Started'].every((r) => e.some((x) => x.reason === r && x.involvedObject.uid === late.metadata?.uid));
    }, { timeoutMs: 20_000, intervalMs: 100, what: 'the events of the outage posted' });
    console.log(`# outage: ${during.queued} events queued, posted within ${Date.now() - upAt} ms of the return; stats ${JSON.stringify(cp().events.stats())}`);
    assert.equal(h.pod('late')?.status?.phase, 'Running', 'the pod was not touched');
    // The outage is one warning for the whole connection (events share it with the Lease and the status).
    // Warning events of the pod log at warn too (MissingClusterDNS): only the control plane's lines count.
    const outageWarnings = warnings().slice(warnFrom).filter((l) => l.pod === undefined);
    console.log(`# warnings during the outage: ${outageWarnings.map((l) => l.msg).join(' | ')}`);
    assert.equal(outageWarnings.length, 1);
    await h.remove('late.yaml');
  });
});
