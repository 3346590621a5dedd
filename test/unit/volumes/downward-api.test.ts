import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { downwardApiPayload, fieldRefValue, resourceFieldValue } from '../../../src/volumes/downward-api.js';
import { formatMap, goQuote } from '../../../src/volumes/go-quote.js';
import { VolumeError } from '../../../src/volumes/errors.js';

const node = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' };
const pod: Pod = {
  metadata: { name: 'web-n1', namespace: 'kube-system', uid: 'abc', labels: { tier: 'db', app: 'web' }, annotations: { 'x/y': 'line1\nline2 "q" \\ é' } },
  spec: {
    containers: [
      { name: 'main', image: 'i', resources: { limits: { cpu: '1500m', memory: '64Mi' }, requests: { cpu: '250m' } } },
      { name: 'bare', image: 'i' },
    ],
  },
};

test('Go %q quoting: escapes, printable unicode kept, control characters in hex', () => {
  assert.equal(goQuote('plain value'), '"plain value"');
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\n\t\r\x07\x08\x0c\x0b'), '"\\n\\t\\r\\a\\b\\f\\v"');
  assert.equal(goQuote('\x00\x1f\x7f'), '"\\x00\\x1f\\x7f"');
  assert.equal(goQuote('héllo 日本 😀'), '"héllo 日本 😀"');
  assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
  assert.equal(goQuote('\u{e0001}'), '"\\U000e0001"');
});

test('label and annotation maps: sorted key="value" lines without a trailing newline', () => {
  assert.equal(formatMap({ tier: 'db', app: 'web' }), 'app="web"\ntier="db"');
  assert.equal(formatMap({}), '');
  assert.equal(formatMap(undefined), '');
  assert.equal(fieldRefValue(pod, { fieldPath: 'metadata.annotations' }), 'x/y="line1\\nline2 \\"q\\" \\\\ é"');
});

test('fieldRef values', () => {
  assert.equal(fieldRefValue(pod, { fieldPath: 'metadata.name' }), 'web-n1');
  assert.equal(fieldRefValue(pod, { fieldPath: 'metadata.namespace' }), 'kube-system');
  assert.equal(fieldRefValue(pod, { fieldPath: 'metadata.uid' }), 'abc');
  assert.equal(fieldRefValue(pod, { fieldPath: "metadata.labels['tier']" }), 'db');
  assert.equal(fieldRefValue(pod, { fieldPath: "metadata.labels['missing']" }), '');
  assert.equal(fieldRefValue(pod, { fieldPath: "metadata.annotations['x/y']" }), 'line1\nline2 "q" \\ é');
  assert.throws(() => fieldRefValue(pod, { fieldPath: 'spec.nodeName' }), /unsupported fieldPath/);
});

test('resourceFieldRef: divisor, rounding up, fallbacks', () => {
  const v = (resource: string, containerName = 'main', divisor?: string) => resourceFieldValue(pod, { resource, containerName, ...(divisor ? { divisor } : {}) }, node);
  assert.equal(v('limits.cpu'), '2', '1500m rounds up to 2 cores');
  assert.equal(v('limits.cpu', 'main', '1m'), '1500');
  assert.equal(v('requests.cpu', 'main', '1m'), '250');
  assert.equal(v('requests.cpu'), '1');
  assert.equal(v('limits.memory'), String(64 * 1024 * 1024));
  assert.equal(v('limits.memory', 'main', '1Mi'), '64');
  assert.equal(v('limits.memory', 'main', '1M'), '68', '67.1 MB rounds up');
  assert.equal(v('requests.memory', 'main', '1Mi'), '64', 'an unset request is the limit');
  assert.equal(v('limits.cpu', 'bare'), '4', 'no limit: node CPUs');
  assert.equal(v('limits.memory', 'bare', '1Gi'), '8', 'no limit: node memory');
  assert.equal(v('limits.ephemeral-storage', 'bare', '1Gi'), '100');
  assert.equal(v('requests.memory', 'bare'), '0');
  assert.equal(v('requests.cpu', 'bare', '1m'), '0');
  assert.throws(() => v('limits.cpu', 'nope'), /container "nope" not found/);
});

test('payload: items, modes and the volume named in errors', () => {
  const p = downwardApiPayload(pod, 'info', [
    { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
    { path: 'sub/name', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o600 },
  ], 0o444, node);
  assert.deepEqual([...p.keys()], ['labels', 'sub/name']);
  assert.equal(p.get('labels')!.content.toString(), 'app="web"\ntier="db"');
  assert.equal(p.get('labels')!.mode, 0o444);
  assert.equal(p.get('sub/name')!.mode, 0o600);
  assert.equal(downwardApiPayload(pod, 'info', [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }], undefined, node).get('n')!.mode, 0o644);
  assert.throws(
    () => downwardApiPayload(pod, 'info', [{ path: 'x', resourceFieldRef: { resource: 'limits.cpu', containerName: 'gone' } }], undefined, node),
    (e: unknown) => e instanceof VolumeError && /volume "info"/.test(e.message) && /"x"/.test(e.message),
  );
});
