import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManifestLoader } from '../../../src/config/manifest.js';
import { computePlan, fieldChanges, type PlannedPod } from '../../../src/plan/compute.js';
import { exitCodeOf, PLAN_EXIT } from '../../../src/cli/commands/plan.js';

const loader = new ManifestLoader({ nodeName: 'node-1' });

function load(location: string, yaml: string): PlannedPod[] {
  const r = loader.load({ kind: 'file', location }, new TextEncoder().encode(yaml));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.pods.map((p) => ({ location, uid: p.uid, fullName: p.fullName, pod: p.pod }));
}

const pod = (labels: string, image = 'busybox:1.36'): string => `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {${labels}}}
spec:
  containers:
  - {name: reads, image: ${image}, env: [{name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}]}
  - {name: plain, image: busybox:1.36}
`;

test('a label read by one container environment restarts that container only, in the same pod', () => {
  const running = load('/m/web.yaml', pod('tier: a'));
  const planned = load('/m/web.yaml', pod('tier: b'));
  assert.equal(running[0]!.uid, planned[0]!.uid);
  const [e] = computePlan({ running, planned, refused: [] });
  assert.equal(e!.verdict, 'restart');
  assert.deepEqual(e!.restarts, ['reads']);
  assert.deepEqual(e!.changes, ['metadata.labels.tier']);
  assert.equal(exitCodeOf([e!]), PLAN_EXIT.changes);
});

test('a label nobody reads changes in place: keep, exit 0', () => {
  const running = load('/m/web.yaml', pod('tier: a'));
  const planned = load('/m/web.yaml', pod('tier: a, app.kubernetes.io/name: web'));
  const entries = computePlan({ running, planned, refused: [] });
  assert.deepEqual(entries.map((e) => [e.verdict, e.changes, e.restarts]), [['keep', ['metadata.labels[app.kubernetes.io/name]'], []]]);
  assert.equal(exitCodeOf(entries), PLAN_EXIT.nothing);
});

test('a moved file is a new UID: restart, though the content is the same', () => {
  const running = load('/m/web.yaml', pod('tier: a'));
  const planned = load('/m/web2.yaml', pod('tier: a'));
  const entries = computePlan({ running, planned, refused: [] });
  assert.deepEqual(entries.map((e) => e.verdict), ['restart']);
  assert.match(entries[0]!.reason, /moved to another manifest file/);
});

test('refusals win the exit code; a refused file with no running pod starts nothing', () => {
  const entries = computePlan({ running: [], planned: load('/m/a.yaml', pod('x: z')), refused: [{ location: '/m/b.yaml', errors: ['spec: required value'] }] });
  assert.deepEqual(entries.map((e) => e.verdict), ['add', 'refuse']);
  assert.equal(exitCodeOf(entries), PLAN_EXIT.refused);
});

test('field changes name list elements by their name and cut long lists', () => {
  const a = load('/m/w.yaml', pod('t: a'))[0]!.pod;
  const b = structuredClone(a);
  b.spec!.containers[1]!.image = 'busybox:2';
  b.spec!.containers.push({ name: 'more', image: 'x' });
  assert.deepEqual(fieldChanges(a, b), ['spec.containers[plain].image', 'spec.containers[more]']);
  for (let i = 0; i < 30; i++) (b.metadata!.labels ??= {})[`l${i}`] = 'v';
  const many = fieldChanges(a, b);
  assert.equal(many.length, 21);
  assert.match(many[20]!, /^and \d+ more$/);
});
