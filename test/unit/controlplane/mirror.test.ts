// Mirror pods, the pure parts: the mirror built from a static pod, what to do about each mirror,
// the status patch body and the back-off of refused creates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod, PodStatus } from '../../../src/api/generated/core-v1.js';
import { buildMirrorPod } from '../../../src/controlplane/mirror/mirror-pod.js';
import { planMirrors } from '../../../src/controlplane/mirror/decide.js';
import { statusPatch } from '../../../src/controlplane/mirror/status-patch.js';
import { RejectBackoff } from '../../../src/controlplane/mirror/reject-backoff.js';

const NODE = { name: 'node-1', uid: 'node-uid-1' };

function staticPod(name: string, hash: string, extra: { deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-node-1`,
      namespace: 'default',
      uid: hash,
      resourceVersion: '7',
      creationTimestamp: '2026-12-07T10:00:00Z',
      labels: { app: name },
      annotations: { 'kubernetes.io/config.hash': hash, 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.seen': '2026-12-07T10:00:00.1Z' },
      ...(extra.deleting ? { deletionTimestamp: '2026-12-07T10:01:00Z' } : {}),
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'busybox' }] },
    status: { phase: 'Running' },
  };
}

function mirrorPod(name: string, hash: string, uid: string, extra: { deleting?: boolean; node?: string } = {}): Pod {
  return {
    metadata: {
      name: `${name}-node-1`,
      namespace: 'default',
      uid,
      annotations: { 'kubernetes.io/config.hash': hash, 'kubernetes.io/config.mirror': hash },
      ...(extra.deleting ? { deletionTimestamp: '2026-12-07T10:01:00Z' } : {}),
    },
    spec: { nodeName: extra.node ?? 'node-1', containers: [{ name: 'main', image: 'busybox' }] },
  };
}

describe('buildMirrorPod', () => {
  test('the static pod with the mirror annotation and the Node owner, without status or server fields', () => {
    const s = staticPod('web', 'h1');
    const m = buildMirrorPod(s, NODE);
    assert.deepEqual(m, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-node-1',
        namespace: 'default',
        labels: { app: 'web' },
        annotations: { 'kubernetes.io/config.hash': 'h1', 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.seen': '2026-12-07T10:00:00.1Z', 'kubernetes.io/config.mirror': 'h1' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-uid-1', controller: true }],
      },
      spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'busybox' }] },
    });
    // The static pod is not modified.
    assert.equal(s.metadata?.uid, 'h1');
    assert.equal(s.metadata?.annotations?.['kubernetes.io/config.mirror'], undefined);
  });

  test('a terminating static pod: no deletionTimestamp on its mirror; an owner the manifest set is replaced', () => {
    const s = staticPod('web', 'h1', { deleting: true });
    s.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x', uid: 'y' }];
    const m = buildMirrorPod(s, NODE);
    assert.equal(m.metadata?.deletionTimestamp, undefined);
    assert.deepEqual(m.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-uid-1', controller: true }]);
  });
});

describe('planMirrors', () => {
  const none = () => false;
  const kinds = (a: ReturnType<typeof planMirrors>) => a.map((x) => `${x.kind}:${x.fullName}${x.kind === 'recreate' ? `:${x.why}` : ''}`);

  test('a static pod without a mirror: create; with its mirror: nothing', () => {
    assert.deepEqual(kinds(planMirrors([staticPod('a', 'h1')], [], 'node-1', none)), ['create:default/a-node-1']);
    assert.deepEqual(planMirrors([staticPod('a', 'h1')], [mirrorPod('a', 'h1', 'm1')], 'node-1', none), []);
  });

  test('a mirror with another hash or a deletionTimestamp: recreate (with its UID for the precondition)', () => {
    const outdated = planMirrors([staticPod('a', 'h2')], [mirrorPod('a', 'h1', 'm1')], 'node-1', none);
    assert.deepEqual(kinds(outdated), ['recreate:default/a-node-1:outdated']);
    assert.equal(outdated[0]!.kind === 'recreate' && outdated[0]!.mirror.metadata?.uid, 'm1');
    assert.deepEqual(kinds(planMirrors([staticPod('a', 'h1')], [mirrorPod('a', 'h1', 'm1', { deleting: true })], 'node-1', none)), ['recreate:default/a-node-1:deleting']);
  });

  test('an orphan is deleted only once no pod of its name terminates', () => {
    const m = [mirrorPod('gone', 'h1', 'm1')];
    assert.deepEqual(kinds(planMirrors([], m, 'node-1', none)), ['orphan:default/gone-node-1']);
    // The static pod still terminating (listed with a deletionTimestamp): the mirror stays.
    assert.deepEqual(planMirrors([staticPod('gone', 'h1', { deleting: true })], m, 'node-1', (n) => n === 'default/gone-node-1'), []);
  });

  test('while the old pod of a name terminates, its mirror is left alone even if the new pod has another hash', () => {
    const terminating = (n: string) => n === 'default/a-node-1';
    assert.deepEqual(planMirrors([staticPod('a', 'h1', { deleting: true }), staticPod('a', 'h2')], [mirrorPod('a', 'h1', 'm1')], 'node-1', terminating), []);
    // Once it is done: recreated for the new hash.
    assert.deepEqual(kinds(planMirrors([staticPod('a', 'h2')], [mirrorPod('a', 'h1', 'm1')], 'node-1', none)), ['recreate:default/a-node-1:outdated']);
  });

  test('pods of other nodes and pods that are not mirrors are never touched', () => {
    const plain: Pod = { metadata: { name: 'x', namespace: 'default', uid: 'u' }, spec: { nodeName: 'node-1', containers: [] } };
    assert.deepEqual(planMirrors([], [plain, mirrorPod('other', 'h', 'm', { node: 'node-2' })], 'node-1', none), []);
  });
});

describe('statusPatch', () => {
  test('the two-way strategic merge patch from the last sent status, with the mirror UID in metadata', () => {
    const before: PodStatus = {
      phase: 'Pending',
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    };
    const after: PodStatus = {
      phase: 'Running',
      podIP: '10.0.0.2',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
    };
    assert.deepEqual(statusPatch('m1', before, after), {
      metadata: { uid: 'm1' },
      status: {
        phase: 'Running',
        podIP: '10.0.0.2',
        conditions: [{ type: 'Ready', status: 'True' }],
        '$setElementOrder/conditions': [{ type: 'Ready' }, { type: 'PodScheduled' }],
      },
    });
  });

  test('a new mirror (nothing sent yet) gets the whole status', () => {
    const s: PodStatus = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    assert.deepEqual(statusPatch('m2', undefined, s), { metadata: { uid: 'm2' }, status: s });
  });
});

describe('RejectBackoff', () => {
  test('10 s doubling to 5 min per pod; a success or the pod going away resets it', () => {
    let now = 0;
    const b = new RejectBackoff(10_000, 300_000, () => now);
    assert.equal(b.blocked('u1'), false);
    const delays = [1, 2, 3, 4, 5, 6, 7].map(() => b.rejected('u1', 'default/a', 'forbidden'));
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    now = 1000;
    assert.equal(b.blocked('u1'), true);
    assert.equal(b.blocked('u2'), false, 'per pod');
    now = 300_000;
    assert.equal(b.blocked('u1'), false);
    assert.deepEqual(b.list(), [{ pod: 'default/a', reason: 'forbidden' }]);
    b.succeeded('u1');
    assert.deepEqual(b.list(), []);
    assert.equal(b.rejected('u1', 'default/a', 'again'), 10_000);
    b.retain(new Set(['u2']));
    assert.deepEqual(b.list(), []);
  });
});
