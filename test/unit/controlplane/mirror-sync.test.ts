// The mirror pod loop against a stand-in CoreV1Api: what it creates, deletes and patches.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Pod, PodStatus } from '../../../src/api/generated/core-v1.js';
import { MirrorPodSync } from '../../../src/controlplane/mirror/sync.js';
import { RejectBackoff } from '../../../src/controlplane/mirror/reject-backoff.js';
import { createLogger } from '../../../src/logging/logger.js';

const NODE = { name: 'node-1', uid: 'node-uid' };

function staticPod(hash: string, status: PodStatus): Pod {
  return {
    metadata: { name: 'web-node-1', namespace: 'default', uid: hash, annotations: { 'kubernetes.io/config.hash': hash, 'kubernetes.io/config.source': 'file' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'busybox' }] },
    status,
  };
}

const apiError = (code: number, message: string) => Object.assign(new Error(`HTTP ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) });

function fakeServer() {
  const pods = new Map<string, Pod>();
  const calls: string[] = [];
  const patches: unknown[] = [];
  let seq = 0;
  let refuse: Error | undefined;
  const core = {
    createNamespacedPod: async ({ body }: { body: Pod }) => {
      calls.push('create');
      if (refuse) throw refuse;
      const name = body.metadata!.name!;
      if (pods.has(name)) throw apiError(409, `pods "${name}" already exists`);
      const p: Pod = { ...structuredClone(body), metadata: { ...body.metadata, uid: `m${++seq}` }, status: { phase: 'Pending' } };
      pods.set(name, p);
      return p;
    },
    readNamespacedPod: async ({ name }: { name: string }) => pods.get(name),
    deleteNamespacedPod: async ({ name, body }: { name: string; body: { preconditions?: { uid?: string } } }) => {
      calls.push(`delete${body.preconditions?.uid ? `:${body.preconditions.uid}` : ''}`);
      pods.delete(name);
      return {};
    },
    patchNamespacedPodStatus: async ({ name, body }: { name: string; body: unknown }) => {
      calls.push('patch');
      patches.push(body);
      return pods.get(name)!;
    },
  };
  // The informer's cache, as a watch keeps it: the server's pods at once (`hidden` plays one that lags).
  let hidden = false;
  const cache = { list: () => (hidden ? [] : [...pods.values()]), listed: true, synced: true };
  return { core: core as unknown as CoreV1Api, cache, pods, calls, patches, refuse: (e: Error | undefined) => (refuse = e), hide: (h: boolean) => (hidden = h) };
}

function setup(list: () => Pod[]) {
  const server = fakeServer();
  const events: Array<{ type: string; reason: string; message: string; uid: string }> = [];
  let now = 0;
  const sync = new MirrorPodSync({
    core: server.core,
    cache: server.cache,
    node: NODE,
    pods: { list, onChange: () => () => undefined, terminating: () => false },
    events: { record: (t, type, reason, message) => events.push({ type, reason, message, uid: t.uid }) },
    logger: createLogger({ level: 'silent' }),
    backoff: new RejectBackoff(10_000, 300_000, () => now),
    namespaceBackoff: new RejectBackoff(10_000, 300_000, () => now),
  });
  return { server, events, sync, advance: (ms: number) => (now += ms) };
}

describe('MirrorPodSync', () => {
  test('creates the mirror once; its status is patched only when it changed; a recreated mirror gets the whole status', async () => {
    let pod = staticPod('h1', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    const { server, sync } = setup(() => [pod]);
    await sync.reconcile();
    await sync.reconcile();
    assert.deepEqual(server.calls, ['create']);
    assert.equal(server.pods.get('web-node-1')?.metadata?.annotations?.['kubernetes.io/config.mirror'], 'h1');
    await sync.flush();
    await sync.flush();
    assert.deepEqual(server.patches, [{ metadata: { uid: 'm1' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }]);
    pod = staticPod('h1', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] });
    await sync.flush();
    assert.deepEqual(server.patches[1], { metadata: { uid: 'm1' }, status: { conditions: [{ type: 'Ready', status: 'False' }], '$setElementOrder/conditions': [{ type: 'Ready' }] } });
    // Deleted by someone else: recreated at the next round, and the new UID gets the whole status.
    server.pods.clear();
    await sync.reconcile();
    await sync.flush();
    assert.deepEqual(server.patches[2], { metadata: { uid: 'm2' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } });
    assert.equal(sync.patches, 3);
  });

  test('a new hash: the old mirror deleted with its UID as precondition, then created again', async () => {
    let pod = staticPod('h1', { phase: 'Running' });
    const { server, sync } = setup(() => [pod]);
    await sync.reconcile();
    pod = staticPod('h2', { phase: 'Running' });
    await sync.reconcile();
    assert.deepEqual(server.calls, ['create', 'delete:m1', 'create']);
    assert.equal(server.pods.get('web-node-1')?.metadata?.annotations?.['kubernetes.io/config.mirror'], 'h2');
  });

  test('an orphan mirror is deleted without a UID precondition', async () => {
    let pods = [staticPod('h1', { phase: 'Running' })];
    const { server, sync } = setup(() => pods);
    await sync.reconcile();
    pods = [];
    await sync.reconcile();
    assert.deepEqual(server.calls.slice(1), ['delete']);
    assert.equal(server.pods.size, 0);
  });

  test('AlreadyExists with the same hash is success', async () => {
    const pod = staticPod('h1', { phase: 'Running' });
    const { server, sync } = setup(() => [pod]);
    // The mirror exists, but the cache does not show it (a create that raced the watch).
    await sync.reconcile();
    server.hide(true);
    await sync.reconcile();
    assert.deepEqual(server.calls, ['create', 'create']);
    assert.deepEqual(sync.view(), { count: 1, rejected: [] });
  });

  test('403: a Warning event with the server message, the reason in the view, and no new POST before the back-off', async () => {
    const pod = staticPod('h1', { phase: 'Running' });
    const { server, events, sync, advance } = setup(() => [pod]);
    server.refuse(apiError(403, 'pods "web-node-1" is forbidden: no mirrors here'));
    await sync.reconcile();
    assert.deepEqual(events, [{ type: 'Warning', reason: 'FailedCreateMirrorPod', message: 'the API server refused the mirror pod: pods "web-node-1" is forbidden: no mirrors here', uid: 'h1' }]);
    assert.deepEqual(sync.view(), { count: 0, rejected: [{ pod: 'default/web-node-1', reason: 'pods "web-node-1" is forbidden: no mirrors here' }] });
    for (let i = 0; i < 4; i++) {
      advance(2_000);
      await sync.reconcile();
    }
    assert.equal(server.calls.filter((c) => c === 'create').length, 1, 'no retry within 10 s');
    advance(2_000);
    await sync.reconcile();
    assert.equal(server.calls.filter((c) => c === 'create').length, 2, 'retried after 10 s');
    server.refuse(undefined);
    advance(20_000);
    await sync.reconcile();
    assert.deepEqual(sync.view(), { count: 1, rejected: [] });
  });

  test('a missing namespace: one POST per back-off period for all its pods, shown in the view', async () => {
    const pods = ['a', 'b', 'c'].map((n) => {
      const p = staticPod(`h-${n}`, { phase: 'Running' });
      p.metadata!.name = `${n}-node-1`;
      p.metadata!.namespace = 'gone';
      return p;
    });
    const { server, events, sync, advance } = setup(() => pods);
    server.refuse(apiError(404, 'namespaces "gone" not found'));
    for (let i = 0; i < 5; i++) {
      await sync.reconcile();
      advance(2_000);
    }
    assert.equal(server.calls.filter((c) => c === 'create').length, 1);
    assert.deepEqual(events, []);
    assert.deepEqual(sync.view().rejected, [{ pod: 'gone/*', reason: 'namespaces "gone" not found' }]);
    server.refuse(undefined);
    advance(10_000);
    await sync.reconcile();
    assert.deepEqual(sync.view(), { count: 3, rejected: [] });
  });

  test('a cache not following the server (reconnecting) deletes no orphan; it does once synced again', async () => {
    let pods = [staticPod('h1', { phase: 'Running' })];
    const { server, sync } = setup(() => pods);
    await sync.reconcile();
    pods = [];
    (server.cache as { synced: boolean }).synced = false;
    await sync.reconcile();
    assert.deepEqual(server.calls, ['create']);
    (server.cache as { synced: boolean }).synced = true;
    await sync.reconcile();
    assert.deepEqual(server.calls, ['create', 'delete']);
  });

  test('5xx: retried at the next round, no event', async () => {
    const pod = staticPod('h1', { phase: 'Running' });
    const { server, events, sync } = setup(() => [pod]);
    server.refuse(apiError(503, 'unavailable'));
    await sync.reconcile();
    server.refuse(undefined);
    await sync.reconcile();
    assert.deepEqual(events, []);
    assert.equal(server.calls.filter((c) => c === 'create').length, 2);
    assert.equal(sync.view().count, 1);
  });
});
