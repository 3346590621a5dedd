import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { applyStaticIdentity, canonicalJSON, formatSeen, staticPodName, staticPodUID } from '../../../src/config/identity.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web' },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
};
const file = { kind: 'file' as const, location: '/etc/kubernetes/manifests/web.yaml' };

test('name is suffixed with the lower-cased node name', () => {
  assert.equal(staticPodName('etcd', 'Node-1.Example'), 'etcd-node-1.example');
  const p = applyStaticIdentity(pod, 'node-1', file);
  assert.equal(p.metadata?.name, 'web-node-1');
});

test('namespace defaults to "default" and nodeName is set', () => {
  const p = applyStaticIdentity(pod, 'node-1', file);
  assert.equal(p.metadata?.namespace, 'default');
  assert.equal(p.spec?.nodeName, 'node-1');
  const q = applyStaticIdentity({ ...pod, metadata: { name: 'dns', namespace: 'kube-system' } }, 'node-1', file);
  assert.equal(q.metadata?.namespace, 'kube-system');
});

test('UID known vectors: md5 of canonical content + host + file', () => {
  // Pinned so that an accidental change of the hashing scheme (which would restart every pod
  // after an upgrade) fails loudly.
  assert.equal(staticPodUID(pod, 'node-1', file), '61e4cd4639d7b2d021a4d911049ad4ee');
  assert.equal(staticPodUID(pod, 'node-1', { kind: 'http', location: 'http://10.0.0.1/pods' }), 'c6fd4c92fed47db1b0d9240b788fac64');
});

test('UID is stable for the same content and changes with content, node or path', () => {
  const a = staticPodUID(pod, 'node-1', file);
  const reordered = { spec: pod.spec, metadata: pod.metadata, kind: 'Pod', apiVersion: 'v1' };
  assert.equal(staticPodUID(reordered, 'node-1', file), a, 'key order does not matter');
  assert.notEqual(staticPodUID({ ...pod, spec: { containers: [{ name: 'main', image: 'other' }] } }, 'node-1', file), a);
  assert.notEqual(staticPodUID({ ...pod, metadata: { name: 'web', namespace: 'x' } }, 'node-1', file), a);
  assert.notEqual(staticPodUID(pod, 'node-2', file), a);
  assert.notEqual(staticPodUID(pod, 'node-1', { kind: 'file', location: '/other.yaml' }), a);
  assert.match(a, /^[0-9a-f]{32}$/);
});

test('annotations: config.hash equals the UID, config.source names the source kind', () => {
  const p = applyStaticIdentity(pod, 'node-1', file);
  assert.equal(p.metadata?.uid, staticPodUID(pod, 'node-1', file));
  assert.equal(p.metadata?.annotations?.['kubernetes.io/config.hash'], p.metadata?.uid);
  assert.equal(p.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
  const h = applyStaticIdentity(pod, 'node-1', { kind: 'http', location: 'http://x/y' });
  assert.equal(h.metadata?.annotations?.['kubernetes.io/config.source'], 'http');
});

test('an explicit UID in the manifest is kept', () => {
  const p = applyStaticIdentity({ ...pod, metadata: { name: 'web', uid: 'fixed-uid' } }, 'node-1', file);
  assert.equal(p.metadata?.uid, 'fixed-uid');
  assert.equal(p.metadata?.annotations?.['kubernetes.io/config.hash'], 'fixed-uid');
});

test('file pods tolerate every NoExecute taint, without duplicating an existing toleration', () => {
  const p = applyStaticIdentity(pod, 'node-1', file);
  assert.deepEqual(p.spec?.tolerations, [{ operator: 'Exists', effect: 'NoExecute' }]);
  const again = applyStaticIdentity(p, 'node-1', file);
  assert.equal(again.spec?.tolerations?.length, 1);
  const other = applyStaticIdentity({ ...pod, spec: { ...pod.spec!, tolerations: [{ key: 'a', operator: 'Exists' }] } }, 'node-1', file);
  assert.equal(other.spec?.tolerations?.length, 2);
});

test('the input pod is not modified', () => {
  const before = JSON.stringify(pod);
  applyStaticIdentity(pod, 'node-1', file);
  assert.equal(JSON.stringify(pod), before);
});

test('config.seen uses RFC3339Nano: no trailing fractional zeros', () => {
  assert.equal(formatSeen(new Date('2026-11-25T01:09:00.000Z')), '2026-11-25T01:09:00Z');
  assert.equal(formatSeen(new Date('2026-11-25T01:09:00.120Z')), '2026-11-25T01:09:00.12Z');
  assert.equal(formatSeen(new Date('2026-11-25T01:09:10.000Z')), '2026-11-25T01:09:10Z');
});

test('canonicalJSON sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJSON({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } }), '{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
});

test('labels and annotations are not part of the UID: editing them keeps the pod', () => {
  const a = staticPodUID(pod, 'node-1', file);
  assert.equal(staticPodUID({ ...pod, metadata: { name: 'web', labels: { a: 'b' } } }, 'node-1', file), a);
  assert.equal(staticPodUID({ ...pod, metadata: { name: 'web', labels: { a: 'c' }, annotations: { note: 'x' } } }, 'node-1', file), a);
  assert.equal(staticPodUID({ ...pod, metadata: { name: 'web', labels: {}, annotations: {} } }, 'node-1', file), a);
  const labelled = applyStaticIdentity({ ...pod, metadata: { name: 'web', labels: { tier: 'db' } } }, 'node-1', file);
  assert.equal(labelled.metadata?.uid, a);
  assert.deepEqual(labelled.metadata?.labels, { tier: 'db' });
});

test('odd shapes hash without throwing', () => {
  for (const v of [null, 1, 'x', [], { metadata: null }, { metadata: [] }]) assert.match(staticPodUID(v, 'node-1', file), /^[0-9a-f]{32}$/);
});
