import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { showNode } from '../../../src/cli/commands/node.js';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, condition, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const MAX_PODS = 110;

/** A small pod-network pod; `containerExtra` goes inside the container's flow mapping. */
const sleeper = (name: string, containerExtra = ''): string =>
  manifest(name, `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: main, image: ${BUSYBOX}, command: [sleep, "3600"]${containerExtra}}\n`);

/** A host-network pod holding `port` (its containerPort is a host port there). */
const portHolder = (name: string, port: number): string =>
  manifest(name, `  terminationGracePeriodSeconds: 1\n  hostNetwork: true\n  containers:\n  - {name: main, image: ${BUSYBOX}, command: [sleep, "3600"], ports: [{containerPort: ${port}}]}\n`);

const running = (p: Pod): boolean => p.status?.phase === 'Running' && condition(p, 'Ready') === 'True';

describe('admission on the node', () => {
  let h: SupervisorHarness;
  withSupervisor({ settings: { maxPods: MAX_PODS, nodeLabels: { 'disk': 'ssd' } } }, (x) => {
    h = x;
  });

  /** The pod waits with `reason`, never got a sandbox, and the refusal is one event. */
  async function assertWaiting(name: string, reason: string, message: RegExp): Promise<Pod> {
    const p = await h.waitPod(name, (x) => x.status?.reason === reason);
    assert.equal(p.status?.phase, 'Pending');
    assert.match(p.status?.message ?? '', message);
    assert.equal(p.status?.containerStatuses, undefined);
    const uid = p.metadata!.uid!;
    // Several syncs later, still nothing in the runtime and still one event.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await h.objects(uid)).sandboxes.length, 0, 'no sandbox for a pod that was not admitted');
    const events = h.sup.events(uid).filter((e) => e.reason === reason);
    assert.equal(events.length, 1, 'one event for the refusal');
    assert.equal(events[0]!.type, 'Warning');
    assert.match(events[0]!.message ?? '', message);
    assert.ok(h.sup.node()?.waiting.some((w) => w.uid === uid && w.reason === reason), '/node lists the waiting pod');
    return p;
  }

  async function removeAndWait(file: string, name: string): Promise<void> {
    await h.remove(file);
    await eventually(() => h.pod(name) === undefined, { timeoutMs: 20_000, what: `${name} gone` });
  }

  test('nodeSelector and required node affinity are checked against the node labels', async () => {
    const spec = (extra: string) => `  terminationGracePeriodSeconds: 1\n${extra}  containers:\n  - {name: main, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`;
    await h.write('sel-ok.yaml', manifest('sel-ok', spec('  nodeSelector: {kubernetes.io/hostname: node-1, disk: ssd}\n')));
    await h.write('aff-ok.yaml', manifest('aff-ok', spec('  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/os, operator: In, values: [windows]}]}, {matchFields: [{key: metadata.name, operator: In, values: [node-1]}]}]}}}\n')));
    await h.write('sel-bad.yaml', manifest('sel-bad', spec('  nodeSelector: {disk: hdd}\n')));
    await h.waitPod('sel-ok', running);
    await h.waitPod('aff-ok', running);
    await assertWaiting('sel-bad', 'NodeAffinity', /^Predicate NodeAffinity failed: node\(s\) didn't match Pod's node affinity\/selector$/);
    assert.equal(h.sup.node()?.labels['kubernetes.io/hostname'], 'node-1');
    for (const f of ['sel-ok', 'aff-ok', 'sel-bad']) await removeAndWait(`${f}.yaml`, f);
  });

  test('a host port clash: the second pod waits with NodePorts and starts when the first is removed', async () => {
    await h.write('port-a.yaml', portHolder('port-a', 18_931));
    await h.waitPod('port-a', running);
    await h.write('port-b.yaml', portHolder('port-b', 18_931));
    await assertWaiting('port-b', 'NodePorts', /^Predicate NodePorts failed: node\(s\) didn't have free ports for the requested pod ports$/);
    // A different port on the same node is no problem.
    await h.write('port-c.yaml', portHolder('port-c', 18_932));
    await h.waitPod('port-c', running);

    await removeAndWait('port-a.yaml', 'port-a');
    const b = await h.waitPod('port-b', running);
    assert.equal(b.status?.reason, undefined, 'the refusal is gone once admitted');
    assert.equal(b.status?.message, undefined);
    await removeAndWait('port-b.yaml', 'port-b');
    await removeAndWait('port-c.yaml', 'port-c');
  });

  test('a pod requesting more cpu than the node has waits with OutOfcpu', async () => {
    await h.write('hungry.yaml', sleeper('hungry', ', resources: {requests: {cpu: "1000"}}'));
    await assertWaiting('hungry', 'OutOfcpu', /^Node didn't have enough resource: cpu, requested: 1000000, used: 0, capacity: \d+$/);
    // `staticlet node` reads the same through the status socket.
    let printed = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((printed += chunk.toString()), done()) });
    assert.equal(await showNode({ statusSocket: h.settings.statusSocket }, { stdout: sink, stderr: sink }), 0);
    assert.match(printed, /^Name: +node-1\nRoles: .*\nLabels: +beta\.kubernetes\.io\/arch=.*\n(.*\n)*Capacity:\n/);
    assert.match(printed, /\n {2}pods: +110\n/);
    assert.match(printed, /\n {2}default\/hungry-node-1 +OutOfcpu +Node didn't have enough resource: cpu/);
    await removeAndWait('hungry.yaml', 'hungry');
    assert.deepEqual(h.sup.node()?.waiting, []);
  });

  test(`the ${MAX_PODS + 1}th pod under maxPods ${MAX_PODS} waits with OutOfpods; removing one lets it start`, { timeout: 600_000 }, async () => {
    const names = Array.from({ length: MAX_PODS }, (_, i) => `p-${String(i).padStart(3, '0')}`);
    for (const n of names) await h.write(`${n}.yaml`, sleeper(n));
    await eventually(() => names.every((n) => { const p = h.pod(n); return p !== undefined && running(p); }), {
      timeoutMs: 480_000,
      intervalMs: 500,
      what: `${MAX_PODS} pods running`,
    });
    assert.equal(h.sup.node()?.requested.pods, String(MAX_PODS));

    await h.write('extra.yaml', sleeper('extra'));
    await assertWaiting('extra', 'OutOfpods', new RegExp(`^Node didn't have enough resource: pods, requested: 1, used: ${MAX_PODS}, capacity: ${MAX_PODS}$`));

    await removeAndWait('p-000.yaml', 'p-000');
    await h.waitPod('extra', running, 60_000);
    assert.equal(h.sup.node()?.requested.pods, String(MAX_PODS));
    assert.deepEqual(h.sup.node()?.waiting, []);
  });
});
