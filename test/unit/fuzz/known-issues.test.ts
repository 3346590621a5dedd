/**
 * Minimal reproducers of the fuzz counterexamples that live in files being changed elsewhere
 * (src/sources/decode.ts, src/validation/schema.ts, src/config/*). Each is a `todo` test: it
 * reports without failing the suite while the issue is open, and passes once it is fixed; then
 * drop `todo` here and the matching entry in KNOWN_ISSUES (harness.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatManifestError, ManifestLoader, type ManifestResult } from '../../../src/config/manifest.js';
import { deepManifest } from './arbitraries.js';

const loader = new ManifestLoader({ nodeName: 'n' });
const src = { kind: 'file' as const, location: '/m/x.yaml' };
const load = (text: string): ManifestResult => loader.load(src, Buffer.from(text));
const lines = (r: ManifestResult): string[] => (r.ok ? [] : r.errors.map(formatManifestError));
const POD = (name: string, extra = ''): string => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {containers: [{name: c, image: i${extra}}]}\n`;

test('list-null-item: a null PodList item is a refusal, not a TypeError', () => {
  // Was: TypeError: Cannot read properties of null (reading 'kind') at ManifestLoader.loadPods
  const r = load('apiVersion: v1\nkind: List\nitems: [null]\n');
  assert.equal(r.ok, false);
  assert.match(lines(r)[0]!, /^\/m\/x\.yaml: items\[0\]: /);
});

test('document-index-skips-empty: document[N] counts empty documents too', { todo: 'src/config/manifest.ts load' }, () => {
  // The error is in the third `---` part (index 2); it is reported as document[1].
  const r = load(`${POD('a')}---\n---\n${POD('b', ', bogus: 1')}`);
  assert.deepEqual(lines(r), ['/m/x.yaml: document[2]: spec.containers[0].bogus: unknown field "bogus"']);
});

test('yaml-non-json-values: !!omap, !!set and !!binary are refused, not silently dropped', { todo: 'src/sources/decode.ts' }, () => {
  // !!omap → Map: accepted, and the node selector is silently {}.
  assert.equal(load(`${POD('a').replace('spec: {', 'spec: {nodeSelector: !!omap [{x: "1"}], ')}`).ok, false);
  // !!set → Set: accepted, the labels silently dropped.
  assert.equal(load(POD('a').replace('{name: a}', '{name: a, labels: !!set {a}}')).ok, false);
  // !!binary → Buffer: ~100 errors naming Buffer.prototype methods (limits[readUInt8], …).
  const r = lines(load(POD('a', ', resources: {limits: !!binary AAAA}')));
  assert.ok(r.length <= 2 && !r.some((l) => /readUInt8|toJSON/.test(l)), r.slice(0, 5).join('\n'));
});

test('parser-stack-overflow: very deep block nesting is refused with a position', { todo: 'src/sources/decode.ts' }, () => {
  // "cannot parse: Maximum call stack size exceeded", no line: a RangeError caught around parseAllDocuments.
  //   metadata:\n  name: deep\n  labels:\n    x: \n      - - - … (5,000 times) x
  const r = lines(load(deepManifest('block-seq', 'label-value', 5000)));
  assert.ok(r.length > 0 && r.every((l) => /line \d+|nesting/.test(l) && !/call stack/.test(l)), r.join('\n'));
});

test('parser-depth-nondeterministic: the same deep input gives the same result every time', { todo: 'src/sources/decode.ts' }, () => {
  // `env:` holding `- - - … x` 2,000 deep: some loads refuse it ("nesting too deep for the YAML
  // parser (line 10)", once or twice), others decode it and report spec.containers[0].env[0].
  const text = deepManifest('block-seq', 'container-field', 2000);
  const runs = Array.from({ length: 8 }, () => JSON.stringify(lines(load(text))));
  assert.equal(new Set(runs).size, 1, [...new Set(runs)].join('\n'));
});

test('root-empty-key-no-path: an unknown field "" at the root still names a path', { todo: 'src/validation/schema.ts convert' }, () => {
  // Today: `/m/x.yaml: unknown field ""`, path '' — it reads as if about the whole file.
  const r = load(`"": 1\n${POD('a')}`);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.errors.every((e) => e.path !== ''), JSON.stringify(r));
});

test('proto-key-becomes-prototype: a __proto__ key is refused whether or not the file has a null', { todo: 'src/validation/schema.ts stripNulls' }, () => {
  const body = 'spec:\n  __proto__: {hostNetwork: true}\n  containers: [{name: c, image: i}]\n';
  // Without a null: refused as an unknown field. With one: accepted, hostNetwork silently dropped.
  assert.deepEqual(lines(load(`apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n${body}`)), ['/m/x.yaml: spec.__proto__: unknown field "__proto__"']);
  assert.deepEqual(lines(load(`apiVersion: v1\nkind: Pod\nmetadata: {name: a, creationTimestamp: null}\n${body}`)), ['/m/x.yaml: spec.__proto__: unknown field "__proto__"']);
});

test('raw-key-in-path: a key with a newline keeps the error on one line', { todo: 'src/validation/schema.ts renderPath / path.ts key' }, () => {
  const r = lines(load(`${POD('a')}"odd\\nkey": 1\n`));
  assert.ok(r.length > 0 && r.every((l) => !l.includes('\n')), JSON.stringify(r));
});

test('unique-keys-quadratic: a mapping of 8,000 keys (120 KB) decodes in well under a second', { todo: 'src/sources/decode.ts uniqueKeys' }, () => {
  // yaml's uniqueKeys compares each new key with every earlier one: 20,000 keys take 4-6 s here.
  const labels = Array.from({ length: 8000 }, (_, i) => `k${i}: v`).join(', ');
  const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {${labels}}}\nspec: {containers: [{name: c, image: i}]}\n`;
  const t0 = performance.now();
  load(text);
  const ms = performance.now() - t0;
  assert.ok(ms < 250, `${ms.toFixed(0)} ms for ${text.length} bytes`);
});

test('lone-surrogate: a "\\ud800" escape is refused, not run as U+FFFD', { todo: 'src/sources/decode.ts' }, () => {
  assert.equal(load(POD('a', ', command: ["\\ud800"]')).ok, false);
});

test('undefined-alias: an alias to a missing anchor is not called an alias bomb', { todo: 'src/sources/decode.ts aliasMessage' }, () => {
  // Today: "too many YAML alias expansions (limit 100); refusing a possible alias bomb", no line:
  // yaml throws "Unresolved alias (the anchor must be set before the alias): undefined", which
  // aliasMessage's /alias/i takes for the alias limit.
  const r = lines(load(POD('a').replace('{name: a}', '{name: a, labels: {x: *undefined}}')));
  assert.ok(r.length === 1 && !/too many YAML alias expansions/.test(r[0]!) && /line \d+/.test(r[0]!), r.join('\n'));
});

test('collection-key-warnings: a mapping key that is a collection emits no process warning', { todo: 'src/sources/decode.ts' }, async () => {
  // yaml calls process.emitWarning("Keys with collection values will be stringified …") once per
  // such key per load: unbounded stderr output outside the logger, and ~4 KB held per warning
  // until the event loop turns.
  let warnings = 0;
  const count = (): void => void warnings++;
  process.on('warning', count);
  try {
    load(POD('a').replace('{name: a}', '{name: a, labels: {? [a, b]: c}}'));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', count);
  }
  assert.equal(warnings, 0);
});
