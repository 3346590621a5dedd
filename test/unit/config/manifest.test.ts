import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatManifestError, ManifestLoader, type ManifestResult } from '../../../src/config/manifest.js';
import { podYaml } from '../../helpers/manifests.js';

const loader = new ManifestLoader({ nodeName: 'node-1' });
const src = { kind: 'file' as const, location: '/m/pods.yaml' };
const load = (text: string): ManifestResult => loader.load(src, Buffer.from(text));

function errors(r: ManifestResult): string[] {
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? [] : r.errors.map(formatManifestError);
}

test('a single Pod loads with its static identity', () => {
  const r = load(podYaml('web'));
  assert.ok(r.ok);
  assert.equal(r.pods.length, 1);
  assert.equal(r.pods[0]!.fullName, 'default/web-node-1');
  assert.equal(r.pods[0]!.pod.spec?.nodeName, 'node-1');
  assert.equal(r.pods[0]!.document, undefined);
});

test('a PodList (kind PodList or List) yields each pod', () => {
  for (const kind of ['PodList', 'List']) {
    const list = { apiVersion: 'v1', kind, items: [0, 1].map((i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })) };
    const r = load(JSON.stringify(list));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.pods.map((p) => p.fullName), ['default/p0-node-1', 'default/p1-node-1']);
  }
});

test('errors inside a PodList carry the items[i] prefix', () => {
  const list = { apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'ok' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, { metadata: { name: 'bad' }, spec: { containers: [{ name: 'c', image: 'i', bogus: 1 }] } }] };
  assert.deepEqual(errors(load(JSON.stringify(list))), ['/m/pods.yaml: items[1].spec.containers[0].bogus: unknown field "bogus"']);
});

test('a multi-document stream yields each pod with its document index', () => {
  const r = load(`${podYaml('a')}---\n${podYaml('b')}`);
  assert.ok(r.ok);
  assert.deepEqual(r.pods.map((p) => [p.fullName, p.document]), [['default/a-node-1', 0], ['default/b-node-1', 1]]);
  // Empty documents count: the index is the `---` part of the file the pod is in.
  const gaps = load(`${podYaml('a')}---\n--- ~\n---\n${podYaml('b')}`);
  assert.ok(gaps.ok);
  assert.deepEqual(gaps.pods.map((p) => [p.fullName, p.document]), [['default/a-node-1', 0], ['default/b-node-1', 3]]);
});

test('an invalid document in a stream refuses the whole file, naming the document', () => {
  const e = errors(load(`${podYaml('a')}---\n${podYaml('b').replace('name: main', 'name: Main_1')}`));
  assert.equal(e.length, 1);
  assert.match(e[0]!, /^\/m\/pods\.yaml: document\[1\]: spec\.containers\[0\]\.name: /);
});

test('apiVersion and kind are required and checked', () => {
  assert.deepEqual(errors(load('kind: Pod\nmetadata: {name: a}\n')), ['/m/pods.yaml: apiVersion: required: must be "v1"']);
  assert.deepEqual(errors(load('apiVersion: apps/v1\nkind: Pod\n')), ['/m/pods.yaml: apiVersion: must be "v1", not "apps/v1"']);
  assert.match(errors(load('apiVersion: v1\nkind: Deployment\n'))[0]!, /kind: unsupported kind "Deployment"/);
  assert.match(errors(load('- a\n- b\n'))[0]!, /must be a Pod or a PodList object/);
});

test('a pod without a name is refused', () => {
  assert.deepEqual(errors(load('apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}\nspec: {containers: [{name: c, image: i}]}\n')), [
    '/m/pods.yaml: metadata.name: required: a static pod needs a name (generateName is not supported)',
  ]);
});

test('unknown fields are errors at every depth', () => {
  const e = errors(load(podYaml('web').replace('spec:\n', 'spec:\n  restartPolicyy: Always\n').replace('metadata:\n', 'metadata:\n  lables: {a: b}\n')));
  assert.deepEqual(e.sort(), ['/m/pods.yaml: metadata.lables: unknown field "lables", did you mean "labels"?', '/m/pods.yaml: spec.restartPolicyy: unknown field "restartPolicyy", did you mean "restartPolicy"?']);
});

test('decoding problems are reported against the file', () => {
  assert.deepEqual(errors(load('a: 1\na: 2\n')), ['/m/pods.yaml: duplicate key at line 2, column 1']);
});

test('three mistakes in one manifest are all reported', () => {
  const text = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: web}',
    'spec:',
    '  containers:',
    '    - name: web',
    '      image: busybox',
    '      ports: [{containerPort: 70000}]',
    '      livenessProbe: {exec: {command: ["true"]}, successThreshold: 3}',
    '    - name: web',
    '      image: busybox',
    '',
  ].join('\n');
  const e = errors(load(text));
  assert.equal(e.length, 3, e.join('\n'));
  assert.ok(e.some((x) => x.includes('spec.containers[0].ports[0].containerPort')));
  assert.ok(e.some((x) => x.includes('spec.containers[0].livenessProbe.successThreshold')));
  assert.ok(e.some((x) => x.includes('spec.containers[1].name')));
});

test('a manifest uid that is not one safe path component is refused before it names a directory', () => {
  const e = errors(load(podYaml('web').replace('metadata:\n', 'metadata:\n  uid: "../../../../x"\n')));
  assert.equal(e.length, 1, e.join('\n'));
  assert.match(e[0]!, /^\/m\/pods\.yaml: metadata\.uid: must be a single path component/);
  const uid = '0c7b7b5e-3f1a-4c55-9a4e-7d2f1b6a9c10';
  const r = load(podYaml('web').replace('metadata:\n', `metadata:\n  uid: ${uid}\n`));
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.pods[0]!.uid, uid);
});
