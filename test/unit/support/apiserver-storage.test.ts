import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from '../../support/apiserver/registry.js';
import { resolveResource } from '../../support/apiserver/resources.js';
import { ApiError } from '../../support/apiserver/status.js';
import { Store, type WatchEvent } from '../../support/apiserver/storage.js';
import type { KubeObject, UserInfo } from '../../support/apiserver/types.js';

const admin: UserInfo = { username: 'admin', groups: ['system:masters'] };
const NODES = resolveResource('nodes');
const PODS = resolveResource('pods');
const LEASES = resolveResource('leases');

function setup(historyLimit = 100) {
  const store = new Store(historyLimit);
  const reg = new Registry(store);
  reg.create(resolveResource('namespaces'), '', { metadata: { name: 'default' } }, admin);
  return { store, reg };
}

const pod = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'pause:3.10' }] },
  ...extra,
});

const failsWith = (code: number, reason: string) => (e: unknown) => e instanceof ApiError && e.status.code === code && e.status.reason === reason;

describe('emulator storage: metadata, conflicts and status shapes', () => {
  test('create sets uid, creationTimestamp, a global resourceVersion and (for pods) generation 1', () => {
    const { reg, store } = setup();
    const before = store.resourceVersion;
    const p = reg.create(PODS, 'default', pod('a'), admin);
    assert.match(p.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.match(p.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(p.metadata.resourceVersion, String(before + 1));
    assert.equal(p.metadata.generation, 1);
    const n = reg.create(NODES, '', { metadata: { name: 'n1' } }, admin);
    assert.equal(n.metadata.resourceVersion, String(before + 2), 'one counter across resources');
    assert.equal(n.metadata.generation, undefined, 'nodes have no generation');
    assert.deepEqual(p['status'], { phase: 'Pending', qosClass: 'BestEffort' });
    assert.equal((p['spec'] as { restartPolicy: string }).restartPolicy, 'Always');
  });

  test('409 AlreadyExists and 404 NotFound are Status objects shaped as the server makes them', () => {
    const { reg } = setup();
    reg.create(LEASES, 'default', { metadata: { name: 'l' } }, admin);
    assert.throws(() => reg.create(LEASES, 'default', { metadata: { name: 'l' } }, admin), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.deepEqual(e.status, {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: 'leases.coordination.k8s.io "l" already exists', reason: 'AlreadyExists',
        details: { name: 'l', group: 'coordination.k8s.io', kind: 'leases' }, code: 409,
      });
      return true;
    });
    assert.throws(() => reg.get(PODS, 'default', 'nope'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.deepEqual(e.status, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404 });
      return true;
    });
    assert.throws(() => reg.create(PODS, 'missing', pod('a'), admin), (e: unknown) => e instanceof ApiError && e.status.message === 'namespaces "missing" not found');
  });

  test('an update with a stale resourceVersion is 409 Conflict; without one it is unconditional', () => {
    const { reg } = setup();
    const l = reg.create(LEASES, 'default', { metadata: { name: 'l' }, spec: { holderIdentity: 'a' } }, admin);
    const l2 = reg.update(LEASES, 'default', 'l', '', { ...l, spec: { holderIdentity: 'b' } });
    assert.throws(() => reg.update(LEASES, 'default', 'l', '', { ...l, spec: { holderIdentity: 'c' } }), (e: unknown) => {
      assert.ok(failsWith(409, 'Conflict')(e));
      assert.equal((e as ApiError).status.message, 'Operation cannot be fulfilled on leases.coordination.k8s.io "l": the object has been modified; please apply your changes to the latest version and try again');
      return true;
    });
    const { resourceVersion: _, ...meta } = l2.metadata;
    const l3 = reg.update(LEASES, 'default', 'l', '', { ...l2, metadata: meta, spec: { holderIdentity: 'd' } });
    assert.equal((l3['spec'] as { holderIdentity: string }).holderIdentity, 'd');
    assert.throws(() => reg.patch(LEASES, 'default', 'l', '', 'application/merge-patch+json', JSON.stringify({ metadata: { resourceVersion: l.metadata.resourceVersion } })), failsWith(409, 'Conflict'));
  });

  test('an update that changes nothing writes nothing: the resourceVersion stays', () => {
    const { reg, store } = setup();
    const l = reg.create(LEASES, 'default', { metadata: { name: 'l' }, spec: { holderIdentity: 'a' } }, admin);
    const rv = store.resourceVersion;
    assert.equal(reg.patch(LEASES, 'default', 'l', '', 'application/merge-patch+json', '{"spec":{"holderIdentity":"a"}}').metadata.resourceVersion, l.metadata.resourceVersion);
    assert.equal(store.resourceVersion, rv);
  });

  test('status and main endpoints each keep the other half; generation follows spec changes only', () => {
    const { reg } = setup();
    reg.create(PODS, 'default', pod('a'), admin);
    const s = reg.patch(PODS, 'default', 'a', 'status', 'application/merge-patch+json', JSON.stringify({ spec: { nodeName: 'other' }, status: { phase: 'Running' } }));
    assert.equal((s['spec'] as { nodeName: string }).nodeName, 'n1');
    assert.equal((s['status'] as { phase: string }).phase, 'Running');
    assert.equal(s.metadata.generation, 1);
    const m = reg.patch(PODS, 'default', 'a', '', 'application/strategic-merge-patch+json', JSON.stringify({ spec: { containers: [{ name: 'c', image: 'pause:3.11' }] }, status: { phase: 'Failed' } }));
    assert.equal((m['status'] as { phase: string }).phase, 'Running', 'the main endpoint ignores status');
    assert.equal(m.metadata.generation, 2);
    assert.throws(
      () => reg.patch(PODS, 'default', 'a', '', 'application/merge-patch+json', JSON.stringify({ spec: { restartPolicy: 'Never' } })),
      (e: unknown) => failsWith(422, 'Invalid')(e) && /pod updates may not change fields/.test((e as ApiError).status.message),
    );
  });

  test('a uid in an update or patch acts as a precondition', () => {
    const { reg } = setup();
    reg.create(PODS, 'default', pod('a'), admin);
    assert.throws(
      () => reg.patch(PODS, 'default', 'a', 'status', 'application/strategic-merge-patch+json', JSON.stringify({ metadata: { uid: 'other' }, status: { phase: 'Running' } })),
      (e: unknown) => failsWith(409, 'Conflict')(e) && /Precondition failed: UID in precondition: other/.test((e as ApiError).status.message),
    );
  });
});

describe('emulator admission: mirror pods', () => {
  const mirror = (spec: Record<string, unknown>): KubeObject =>
    pod('static-n1', { metadata: { name: 'static-n1', annotations: { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.hash': 'abc' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...spec } as KubeObject['spec'] });

  test('a mirror pod is created as any pod; one naming a service account, a secret or a token projection is forbidden', () => {
    const { reg } = setup();
    assert.ok(reg.create(PODS, 'default', mirror({}), admin).metadata.uid);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ serviceAccountName: 'default' }, 'a mirror pod may not reference service accounts'],
      [{ volumes: [{ name: 's', secret: { secretName: 'x' } }] }, 'a mirror pod may not reference secrets'],
      [{ imagePullSecrets: [{ name: 'regcred' }] }, 'a mirror pod may not reference secrets'],
      [{ containers: [{ name: 'c', image: 'x', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] }, 'a mirror pod may not reference secrets'],
      [{ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] }, 'a mirror pod may not use ServiceAccountToken volume projections'],
    ];
    for (const [spec, why] of cases) {
      assert.throws(() => reg.create(PODS, 'default', { ...mirror(spec), metadata: { ...mirror(spec).metadata, name: 'other-n1' } }, admin), (e: unknown) => {
        assert.ok(failsWith(403, 'Forbidden')(e), JSON.stringify(spec));
        assert.equal((e as ApiError).status.message, `pods "other-n1" is forbidden: ${why}`);
        return true;
      });
    }
    assert.ok(reg.create(PODS, 'default', pod('plain', { spec: { containers: [{ name: 'c', image: 'x' }], serviceAccountName: 'default' } }), admin), 'other pods are not held to it');
  });
});

describe('emulator storage: deletion', () => {
  test('a scheduled pod is deleted gracefully: marked with deletionTimestamp, kept until a grace-0 delete', () => {
    const { reg } = setup();
    reg.create(PODS, 'default', pod('a', { spec: { nodeName: 'n1', terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'x' }] } }), admin);
    const t0 = Date.now();
    const r = reg.delete(PODS, 'default', 'a', {});
    assert.equal(r.deleted, false);
    assert.equal(r.object.metadata.deletionGracePeriodSeconds, 20);
    const at = Date.parse(r.object.metadata.deletionTimestamp!);
    assert.ok(at >= t0 + 18_000 && at <= t0 + 21_000);
    assert.equal(r.object.metadata.generation, 2, 'marking for deletion bumps generation');
    const again = reg.delete(PODS, 'default', 'a', { gracePeriodSeconds: 30 });
    assert.equal(again.object.metadata.deletionGracePeriodSeconds, 20, 'a longer grace period never extends');
    assert.ok(reg.get(PODS, 'default', 'a'));
    assert.equal(reg.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0 }).deleted, true);
    assert.throws(() => reg.get(PODS, 'default', 'a'), failsWith(404, 'NotFound'));
  });

  test('an unscheduled pod, and any pod with gracePeriodSeconds 0, goes at once', () => {
    const { reg } = setup();
    reg.create(PODS, 'default', pod('a', { spec: { containers: [{ name: 'c', image: 'x' }] } }), admin);
    assert.equal(reg.delete(PODS, 'default', 'a', {}).deleted, true);
    reg.create(PODS, 'default', pod('b'), admin);
    assert.equal(reg.delete(PODS, 'default', 'b', { gracePeriodSeconds: 0 }).deleted, true);
  });

  test('uid and resourceVersion preconditions: 409 Conflict on mismatch', () => {
    const { reg } = setup();
    const p = reg.create(PODS, 'default', pod('a'), admin);
    assert.throws(() => reg.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0, preconditions: { uid: 'x' } }), (e: unknown) => {
      assert.ok(failsWith(409, 'Conflict')(e));
      assert.equal((e as ApiError).status.message, `Operation cannot be fulfilled on pods "a": Precondition failed: UID in precondition: x, UID in object meta: ${p.metadata.uid!}`);
      return true;
    });
    assert.throws(() => reg.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0, preconditions: { resourceVersion: '1' } }), failsWith(409, 'Conflict'));
    assert.equal(reg.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid!, resourceVersion: p.metadata.resourceVersion! } }).deleted, true);
  });

  test('finalizers hold a deleted object until the last one is removed', () => {
    const { reg } = setup();
    reg.create(LEASES, 'default', { metadata: { name: 'l', finalizers: ['example.com/hold'] } }, admin);
    const marked = reg.delete(LEASES, 'default', 'l', {});
    assert.equal(marked.deleted, false);
    assert.ok(marked.object.metadata.deletionTimestamp);
    assert.throws(
      () => reg.patch(LEASES, 'default', 'l', '', 'application/merge-patch+json', '{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}'),
      failsWith(422, 'Invalid'),
    );
    reg.patch(LEASES, 'default', 'l', '', 'application/merge-patch+json', '{"metadata":{"finalizers":null}}');
    assert.throws(() => reg.get(LEASES, 'default', 'l'), failsWith(404, 'NotFound'));
  });

  test('a namespace without a namespace controller stays Terminating, and refuses new content', () => {
    const { reg } = setup();
    reg.create(resolveResource('namespaces'), '', { metadata: { name: 'gone' } }, admin);
    const r = reg.delete(resolveResource('namespaces'), '', 'gone', {});
    assert.equal((r.object['status'] as { phase: string }).phase, 'Terminating');
    assert.throws(() => reg.create(PODS, 'gone', pod('a'), admin), failsWith(403, 'Forbidden'));
  });
});

describe('emulator storage: watch', () => {
  const collect = () => {
    const events: WatchEvent[] = [];
    return { events, send: (e: WatchEvent) => events.push(e), summary: () => events.map((e) => `${e.type} ${e.object.metadata.name!}@${e.object.metadata.resourceVersion!}`) };
  };

  test('a watch without resourceVersion starts with the current objects as ADDED, then follows', () => {
    const { reg, store } = setup();
    reg.create(LEASES, 'default', { metadata: { name: 'a' } }, admin);
    const c = collect();
    const stop = store.watch('leases.coordination.k8s.io', { matches: () => true, send: c.send });
    const b = reg.create(LEASES, 'default', { metadata: { name: 'b' } }, admin);
    reg.delete(LEASES, 'default', 'b', {});
    stop();
    reg.create(LEASES, 'default', { metadata: { name: 'c' } }, admin);
    assert.deepEqual(c.events.map((e) => `${e.type} ${e.object.metadata.name!}`), ['ADDED a', 'ADDED b', 'DELETED b']);
    assert.ok(Number(c.events[2]!.object.metadata.resourceVersion) > Number(b.metadata.resourceVersion), 'DELETED carries the deletion resourceVersion');
  });

  test('a watch from a resourceVersion replays exactly the later changes', () => {
    const { reg, store } = setup();
    const a = reg.create(LEASES, 'default', { metadata: { name: 'a' } }, admin);
    reg.patch(LEASES, 'default', 'a', '', 'application/merge-patch+json', '{"spec":{"holderIdentity":"x"}}');
    reg.create(LEASES, 'default', { metadata: { name: 'b' } }, admin);
    const c = collect();
    store.watch('leases.coordination.k8s.io', { fromRV: Number(a.metadata.resourceVersion), matches: () => true, send: c.send });
    assert.deepEqual(c.events.map((e) => `${e.type} ${e.object.metadata.name!}`), ['MODIFIED a', 'ADDED b']);
  });

  test('with a filter, an object that starts matching is ADDED and one that stops is DELETED', () => {
    const { reg, store } = setup();
    reg.create(PODS, 'default', pod('a'), admin);
    const c = collect();
    store.watch('pods', { namespace: 'default', matches: (o) => o.metadata.labels?.['app'] === 'web', send: c.send });
    reg.patch(PODS, 'default', 'a', '', 'application/merge-patch+json', '{"metadata":{"labels":{"app":"web"}}}');
    reg.patch(PODS, 'default', 'a', '', 'application/merge-patch+json', '{"metadata":{"labels":{"x":"y"}}}');
    reg.patch(PODS, 'default', 'a', '', 'application/merge-patch+json', '{"metadata":{"labels":{"app":"db"}}}');
    assert.deepEqual(c.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('a resourceVersion older than the retained window is 410 Expired; the window is per resource', () => {
    const { reg, store } = setup(3);
    const first = reg.create(LEASES, 'default', { metadata: { name: 'a' } }, admin);
    for (let i = 0; i < 5; i++) reg.patch(LEASES, 'default', 'a', '', 'application/merge-patch+json', JSON.stringify({ spec: { leaseDurationSeconds: 10 + i } }));
    assert.throws(() => store.watch('leases.coordination.k8s.io', { fromRV: Number(first.metadata.resourceVersion), matches: () => true, send: () => {} }), (e: unknown) => {
      assert.ok(failsWith(410, 'Expired')(e));
      assert.match((e as ApiError).status.message, /^too old resource version: \d+ \(\d+\)$/);
      return true;
    });
    const c = collect();
    store.watch('leases.coordination.k8s.io', { fromRV: store.resourceVersion - 2, matches: () => true, send: c.send });
    assert.equal(c.events.length, 2, 'the retained changes still replay');
    store.watch('pods', { fromRV: Number(first.metadata.resourceVersion), matches: () => true, send: () => {} });
    store.compact();
    assert.throws(() => store.watch('pods', { fromRV: store.resourceVersion - 1, matches: () => true, send: () => {} }), failsWith(410, 'Expired'));
  });
});
