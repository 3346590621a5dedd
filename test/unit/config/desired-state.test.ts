import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DesiredState, type DesiredChange } from '../../../src/config/desired-state.js';
import { ManifestLoader } from '../../../src/config/manifest.js';
import { podYaml } from '../../helpers/manifests.js';

const loader = new ManifestLoader({ nodeName: 'n1' });
const ref = (name: string) => ({ kind: 'file' as const, location: `/m/${name}` });
const load = (name: string, text: string) => ({ ref: ref(name), result: loader.load(ref(name), Buffer.from(text)) });

function track(state: DesiredState): DesiredChange[] {
  const all: DesiredChange[] = [];
  state.subscribe((c) => all.push(...c));
  return all;
}
const summary = (changes: DesiredChange[]) =>
  changes.map((c) => (c.type === 'rejected' ? `rejected ${c.rejection.source.location}` : c.type === 'recovered' ? `recovered ${c.source.location}` : c.type === 'listed' ? `listed ${c.source}` : `${c.type} ${c.pod.fullName}`));

test('added, updated (new UID) and removed', () => {
  const s = new DesiredState();
  const changes = track(s);
  s.apply([load('a.yaml', podYaml('a'))]);
  const uid1 = s.pods()[0]!.uid;
  s.apply([load('a.yaml', podYaml('a', { command: 'sleep 10' }))]);
  const uid2 = s.pods()[0]!.uid;
  assert.notEqual(uid1, uid2);
  s.delete(ref('a.yaml'));
  assert.deepEqual(summary(changes), ['added default/a-n1', 'updated default/a-n1', 'removed default/a-n1']);
  assert.equal(s.pods().length, 0);
});

test('re-reading an unchanged manifest changes nothing; re-adding it brings the same UID back', () => {
  const s = new DesiredState();
  const changes = track(s);
  s.apply([load('a.yaml', podYaml('a'))]);
  const uid = s.pods()[0]!.uid;
  s.apply([load('a.yaml', podYaml('a'))]);
  assert.equal(changes.length, 1);
  s.delete(ref('a.yaml'));
  s.apply([load('a.yaml', podYaml('a'))]);
  assert.equal(s.pods()[0]!.uid, uid);
});

test('config.seen is stamped once per UID', () => {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const s = new DesiredState([], () => new Date((t += 1000)));
  s.apply([load('a.yaml', podYaml('a'))]);
  const seen = s.pods()[0]!.pod.metadata!.annotations!['kubernetes.io/config.seen'];
  assert.equal(seen, '2026-01-01T00:00:01Z');
  s.apply([load('b.yaml', podYaml('b'))]);
  assert.equal(s.pods().find((p) => p.fullName === 'default/a-n1')!.pod.metadata!.annotations!['kubernetes.io/config.seen'], seen);
});

test('a manifest that turns invalid keeps its last accepted pod and is reported', () => {
  const s = new DesiredState();
  const changes = track(s);
  s.apply([load('a.yaml', podYaml('a'))]);
  const uid = s.pods()[0]!.uid;
  s.apply([load('a.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i, oops: 1}]}\n')]);
  assert.deepEqual(s.pods().map((p) => p.uid), [uid]);
  const [rej] = s.rejections();
  assert.deepEqual(rej!.keptPods, [uid]);
  assert.match(rej!.errors[0]!.message, /unknown field "oops"/);
  s.apply([load('a.yaml', podYaml('a'))]);
  assert.deepEqual(summary(changes), ['added default/a-n1', 'rejected /m/a.yaml', 'recovered /m/a.yaml']);
  assert.equal(s.rejections().length, 0);
});

test('a new invalid manifest is rejected without pods', () => {
  const s = new DesiredState();
  s.apply([load('bad.yaml', 'a: 1\na: 2\n')]);
  assert.equal(s.pods().length, 0);
  assert.equal(s.rejections()[0]!.keptPods.length, 0);
});

test('two manifests with the same pod name: the later one is refused, the first keeps running', () => {
  const s = new DesiredState();
  const changes = track(s);
  s.apply([load('a.yaml', podYaml('web'))]);
  const uid = s.pods()[0]!.uid;
  s.apply([load('b.yaml', podYaml('web', { command: 'sleep 5' }))]);
  assert.deepEqual(s.pods().map((p) => p.uid), [uid]);
  const rej = s.rejections()[0]!;
  assert.equal(rej.source.location, '/m/b.yaml');
  assert.match(rej.errors[0]!.message, /duplicate pod default\/web-n1: already defined by \/m\/a\.yaml/);
  // The owner leaving hands the name to the refused manifest.
  s.delete(ref('a.yaml'));
  assert.equal(s.pods()[0]!.source.location, '/m/b.yaml');
  assert.deepEqual(summary(changes), ['added default/web-n1', 'rejected /m/b.yaml', 'updated default/web-n1', 'recovered /m/b.yaml']);
});

test('within one batch, arrival order decides the owner', () => {
  const s = new DesiredState();
  s.apply([load('a.yaml', podYaml('web')), load('b.yaml', podYaml('web', { command: 'x' }))]);
  assert.equal(s.pods()[0]!.source.location, '/m/a.yaml');
  // The owner editing its file keeps ownership.
  s.apply([load('a.yaml', podYaml('web', { command: 'y' }))]);
  assert.equal(s.pods()[0]!.source.location, '/m/a.yaml');
});

test('the same name twice in one file is refused', () => {
  const s = new DesiredState();
  s.apply([load('a.yaml', `${podYaml('web')}---\n${podYaml('web', { command: 'x' })}`)]);
  assert.equal(s.pods().length, 0);
  assert.match(s.rejections()[0]!.errors[0]!.message, /defined twice/);
});

test('ready() waits for every expected source', () => {
  const s = new DesiredState(['file:/m', 'http:x']);
  assert.equal(s.ready(), false);
  s.markSourceSynced('file:/m');
  assert.equal(s.ready(), false);
  s.markSourceSynced('http:x');
  assert.equal(s.ready(), true);
});

test('listed(kind) follows the sources of that kind; the first full listing of each is announced once', () => {
  const s = new DesiredState(['file:/m', 'http:x']);
  const seen: string[] = [];
  s.subscribe((changes) => changes.forEach((c) => c.type === 'listed' && seen.push(c.source)));
  assert.deepEqual([s.listed('file'), s.listed('http')], [false, false]);
  s.markSourceSynced('file:/m');
  assert.deepEqual([s.listed('file'), s.listed('http')], [true, false]);
  s.markSourceSynced('file:/m');
  s.markSourceSynced('http:x');
  assert.deepEqual([s.listed('file'), s.listed('http')], [true, true]);
  assert.deepEqual(seen, ['file:/m', 'http:x']);
});

test('whenReady() resolves once the last expected source has synced', async () => {
  const s = new DesiredState(['file:/m', 'http:x']);
  let resolved = false;
  const ready = s.whenReady().then(() => (resolved = true));
  s.markSourceSynced('file:/m');
  await new Promise((r) => setImmediate(r));
  assert.equal(resolved, false);
  s.markSourceSynced('http:x');
  await ready;
  await new DesiredState().whenReady();
});

const labelled = (labels: string, annotations = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {${labels}}\n  annotations: {${annotations}}\nspec:\n  containers: [{name: main, image: busybox}]\n`;

test('a label or annotation edit is an update under the same UID; re-reading it changes nothing', () => {
  const s = new DesiredState();
  const changes = track(s);
  s.apply([load('a.yaml', labelled('tier: web'))]);
  const first = s.pods()[0]!;
  s.apply([load('a.yaml', labelled('tier: db', 'note: x'))]);
  const second = s.pods()[0]!;
  assert.equal(second.uid, first.uid);
  assert.deepEqual(second.pod.metadata?.labels, { tier: 'db' });
  assert.equal(second.pod.metadata?.annotations?.note, 'x');
  assert.equal(second.seenAt, first.seenAt, 'config.seen stays: same pod');
  const update = changes[1]!;
  assert.equal(update.type, 'updated');
  assert.equal(update.type === 'updated' && update.previous.uid, first.uid);
  s.apply([load('a.yaml', labelled('tier: db', 'note: x'))]);
  assert.equal(changes.length, 2, 'unchanged content: no change');
  assert.equal(s.pods()[0], second);
  assert.deepEqual(summary(changes), ['added default/a-n1', 'updated default/a-n1']);
});

test('a manifest that fixes metadata.uid still reports a spec edit as an update', () => {
  const s = new DesiredState();
  const changes = track(s);
  const fixed = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: a, uid: fixed}\nspec:\n  containers: [{name: main, image: ${image}}]\n`;
  s.apply([load('a.yaml', fixed('busybox'))]);
  s.apply([load('a.yaml', fixed('other'))]);
  assert.deepEqual(summary(changes), ['added default/a-n1', 'updated default/a-n1']);
  assert.equal(s.pods()[0]!.pod.spec?.containers[0]?.image, 'other');
});
