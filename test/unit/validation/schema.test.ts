import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePaths, schemaErrors, validatePod } from '../../../src/validation/index.js';
import { assertHasError, assertNoErrors, basePod, podWith } from './helpers.js';

test('the realistic base pod is valid', () => assertNoErrors(validatePod(basePod())));

test('unknown fields are refused at every depth, at the path of the field itself', () => {
  const p = podWith((p) => {
    p.extra = 1;
    p.metadata.labelz = {};
    p.spec.hostnetwork = true;
    p.spec.containers[0].imagePullPolicyy = 'Always';
    p.spec.containers[0].livenessProbe.httpGet.paths = '/';
    p.spec.volumes[1].hostPath.kind = 'Directory';
    p.spec.containers[0].resources.limits = { cpu: 1, memory: '1Gi' };
    p.spec.containers[0].resources.limit = {};
  });
  const errs = schemaErrors(p, 'Pod');
  assert.deepEqual(
    errs.map((e) => `${e.path}: ${e.message}`),
    [
      'extra: unknown field "extra"',
      'metadata.labelz: unknown field "labelz", did you mean "labels"?',
      'spec.containers[0].imagePullPolicyy: unknown field "imagePullPolicyy", did you mean "imagePullPolicy"?',
      'spec.containers[0].livenessProbe.httpGet.paths: unknown field "paths", did you mean "path"?',
      'spec.containers[0].resources.limit: unknown field "limit", did you mean "limits"?',
      'spec.hostnetwork: unknown field "hostnetwork", did you mean "hostNetwork"?',
      'spec.volumes[1].hostPath.kind: unknown field "kind"',
    ],
  );
});

test('maps accept any key but type their values', () => {
  const p = podWith((p) => {
    p.metadata.labels['anything/goes-here'] = 'x';
    p.metadata.annotations['example.com/n'] = 5;
  });
  assert.deepEqual(schemaErrors(p, 'Pod'), [{ path: 'metadata.annotations[example.com/n]', message: 'must be a string' }]);
});

test('int-or-string accepts integers and strings only', () => {
  assertNoErrors(schemaErrors(podWith((p) => (p.spec.containers[0].livenessProbe.httpGet.port = 8080)), 'Pod'));
  assertNoErrors(schemaErrors(podWith((p) => (p.spec.containers[0].livenessProbe.httpGet.port = 'http')), 'Pod'));
  for (const bad of [true, 1.5, {}, [80]]) {
    const errs = schemaErrors(podWith((p) => (p.spec.containers[0].livenessProbe.httpGet.port = bad)), 'Pod');
    assert.deepEqual(errs, [{ path: 'spec.containers[0].livenessProbe.httpGet.port', message: 'must be an integer or a string' }], JSON.stringify(bad));
  }
  assertHasError(schemaErrors(podWith((p) => (p.spec.containers[0].livenessProbe.httpGet.port = 2 ** 31)), 'Pod'), 'spec.containers[0].livenessProbe.httpGet.port', '32-bit');
});

test('quantities accept strings and numbers, one clean error otherwise', () => {
  assertNoErrors(schemaErrors(podWith((p) => Object.assign(p.spec.containers[0].resources.limits, { cpu: 2, memory: '1e9' })), 'Pod'));
  for (const bad of [true, {}, ['1']]) {
    const errs = schemaErrors(podWith((p) => (p.spec.containers[0].resources.limits.cpu = bad)), 'Pod');
    assert.equal(errs.length, 1, JSON.stringify(errs));
    assertHasError(errs, 'spec.containers[0].resources.limits[cpu]', 'must be a quantity');
  }
  assertHasError(schemaErrors(podWith((p) => (p.spec.containers[0].resources.limits.cpu = '2 cores')), 'Pod'), 'spec.containers[0].resources.limits[cpu]', 'invalid quantity "2 cores"');
});

test('integer fields: type and int32 range', () => {
  assertHasError(schemaErrors(podWith((p) => (p.spec.containers[0].ports[0].containerPort = '80')), 'Pod'), 'spec.containers[0].ports[0].containerPort', 'must be an integer');
  assertHasError(schemaErrors(podWith((p) => (p.spec.containers[0].ports[0].containerPort = 1.5)), 'Pod'), 'spec.containers[0].ports[0].containerPort', 'must be an integer');
  assertHasError(schemaErrors(podWith((p) => (p.spec.containers[0].ports[0].containerPort = 2 ** 31)), 'Pod'), 'spec.containers[0].ports[0].containerPort', '32-bit');
  assertNoErrors(schemaErrors(podWith((p) => (p.spec.activeDeadlineSeconds = 2 ** 40)), 'Pod'));
});

test('required fields and enums', () => {
  assertHasError(schemaErrors(podWith((p) => delete p.spec.containers[1].name), 'Pod'), 'spec.containers[1].name', 'required value');
  assertHasError(schemaErrors(podWith((p) => delete p.spec.containers), 'Pod'), 'spec.containers', 'required value');
  assertHasError(schemaErrors(podWith((p) => (p.spec.containers[0].imagePullPolicy = 'Sometimes')), 'Pod'), 'spec.containers[0].imagePullPolicy', 'supported values: "Always", "IfNotPresent", "Never"');
  assert.deepEqual(schemaErrors(podWith((p) => (p.spec.restartPolicy = 5)), 'Pod'), [{ path: 'spec.restartPolicy', message: 'must be a string' }]);
});

test('null means absent, as in Kubernetes JSON decoding', () => {
  const p = podWith((p) => {
    p.metadata.creationTimestamp = null;
    p.spec.containers[0].env = null;
    p.spec.containers[1].resources = {};
    p.status = {};
  });
  assertNoErrors(validatePod(p));
  assert.equal(p.metadata.creationTimestamp, null, 'the caller\'s document is not modified');
});

test('date-time fields', () => {
  assertNoErrors(schemaErrors(podWith((p) => (p.metadata.creationTimestamp = '2024-05-01T12:00:00Z')), 'Pod'));
  assertHasError(schemaErrors(podWith((p) => (p.metadata.creationTimestamp = 'yesterday')), 'Pod'), 'metadata.creationTimestamp', 'RFC 3339');
});

test('non-object documents', () => {
  assert.deepEqual(schemaErrors('pod', 'Pod'), [{ path: '', message: 'must be an object' }]);
  assert.deepEqual(validatePod([]), [{ path: '', message: 'must be an object' }]);
});

test('PodList items are checked with item paths', () => {
  const bad = podWith((p) => (p.spec.foo = 1));
  const errs = schemaErrors({ apiVersion: 'v1', kind: 'List', items: [basePod(), bad] }, 'PodList');
  assert.deepEqual(errs, [{ path: 'items[1].spec.foo', message: 'unknown field "foo"' }]);
  assertHasError(schemaErrors({ apiVersion: 'v1', kind: 'PodList' }, 'PodList'), 'items', 'required value');
});

test('semantic rules do not run until the schema passes', () => {
  const errs = validatePod(podWith((p) => {
    p.spec.containers[0].foo = 1;
    p.spec.containers[0].name = 'BAD';
  }));
  assert.deepEqual(errs, [{ path: 'spec.containers[0].foo', message: 'unknown field "foo"' }]);
});

test('errors are sorted by path in natural order', () => {
  const paths = ['spec.containers[10].name', 'spec.containers[2].name', 'metadata.name', 'spec.containers[2]', ''];
  assert.deepEqual([...paths].sort(comparePaths), ['', 'metadata.name', 'spec.containers[2]', 'spec.containers[2].name', 'spec.containers[10].name']);
});

test('an unknown field close to a known one names it; a far one suggests nothing', () => {
  const pod = (c: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', ...c }] } });
  const msg = (c: Record<string, unknown>) => schemaErrors(pod(c), 'Pod').map((e) => `${e.path}: ${e.message}`);
  assert.deepEqual(msg({ comand: ['x'] }), ['spec.containers[0].comand: unknown field "comand", did you mean "command"?']);
  assert.deepEqual(msg({ comamnd: ['x'] }), ['spec.containers[0].comamnd: unknown field "comamnd", did you mean "command"?']);
  assert.deepEqual(msg({ Args: ['x'] }), ['spec.containers[0].Args: unknown field "Args", did you mean "args"?']);
  assert.deepEqual(msg({ zzzzzz: 1 }), ['spec.containers[0].zzzzzz: unknown field "zzzzzz"']);
});
