/**
 * Minimal reproducers of the fuzz counterexamples, one per finding, named by the id it had in
 * KNOWN_ISSUES (harness.ts) while it was open. A new finding gets its reproducer here: as a
 * `todo` test with a KNOWN_ISSUES entry while it is open, as a plain test once it is fixed.
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

test('document-index-skips-empty: document[N] counts empty documents too', () => {
  // The error is in the third `---` part (index 2); it was reported as document[1].
  const r = load(`${POD('a')}---\n---\n${POD('b', ', bogus: 1')}`);
  assert.deepEqual(lines(r), ['/m/x.yaml: document[2]: spec.containers[0].bogus: unknown field "bogus"']);
});

test('yaml-non-json-values: !!omap, !!set and !!binary are refused, not silently dropped', () => {
  // Was: !!omap → Map, accepted with the node selector silently {}.
  assert.deepEqual(lines(load(`${POD('a').replace('spec: {', 'spec: {nodeSelector: !!omap [{x: "1"}], ')}`)), ['/m/x.yaml: YAML type !!omap has no JSON equivalent at line 4, column 29']);
  // Was: !!set → Set, accepted with the labels silently dropped.
  assert.deepEqual(lines(load(POD('a').replace('{name: a}', '{name: a, labels: !!set {a}}'))), ['/m/x.yaml: YAML type !!set has no JSON equivalent at line 3, column 35']);
  // Was: !!binary → Buffer, ~100 errors naming Buffer.prototype methods (limits[readUInt8], …).
  const r = lines(load(POD('a', ', resources: {limits: !!binary AAAA}')));
  assert.deepEqual(r, ['/m/x.yaml: YAML type !!binary has no JSON equivalent at line 4, column 70']);
  assert.match(lines(load(POD('a').replace('{name: a}', '{name: a, annotations: {t: !!timestamp 2001-12-14}}')))[0]!, /YAML type !!timestamp has no JSON equivalent at line 3/);
  assert.match(lines(load(POD('a', ', workingDir: .nan')))[0]!, /the number \.nan has no JSON equivalent \(NaN or infinite\) at line 4/);
  // Plain timestamps and base-60 numbers stay strings, as in Kubernetes' decoder.
  const plain = load(POD('a').replace('{name: a}', '{name: a, annotations: {d: 2001-12-14, t: 12:30}}'));
  const annotations = plain.ok ? plain.pods[0]!.pod.metadata?.annotations : undefined;
  assert.deepEqual([annotations?.d, annotations?.t], ['2001-12-14', '12:30']);
});

test('parser-stack-overflow: very deep block nesting is refused with a position', () => {
  // Was "cannot parse: Maximum call stack size exceeded", no line: a RangeError caught around parseAllDocuments.
  //   metadata:\n  name: deep\n  labels:\n    x: \n      - - - … (5,000 times) x
  const r = lines(load(deepManifest('block-seq', 'label-value', 5000)));
  assert.deepEqual(r, ['/m/x.yaml: nesting deeper than 100 levels (the limit) at line 7, column 201']);
  // Nested block mappings, each a column further in, are measured the same way.
  assert.match(lines(load(deepManifest('block-map', 'spec', 2000)))[0]!, /^\/m\/x\.yaml: nesting deeper than 100 levels \(the limit\) at line \d+, column \d+$/);
});

test('parser-depth-nondeterministic: the same deep input gives the same result every time', () => {
  // `env:` holding `- - - … x` 2,000 deep: some loads refused it ("nesting too deep for the YAML
  // parser (line 10)", once or twice), others decoded it and reported spec.containers[0].env[0].
  const text = deepManifest('block-seq', 'container-field', 2000);
  const runs = Array.from({ length: 8 }, () => JSON.stringify(lines(load(text))));
  // Also with most of the stack already used: the limit is the decoder's, not the stack's.
  const deepInStack = (frames: number): string => (frames === 0 ? JSON.stringify(lines(load(text))) : deepInStack(frames - 1));
  runs.push(deepInStack(3000));
  assert.equal(new Set(runs).size, 1, [...new Set(runs)].join('\n'));
  assert.match(runs[0]!, /nesting deeper than 100 levels \(the limit\) at line \d+, column \d+/);
});

test('root-empty-key-no-path: an unknown field "" at the root still names a path', () => {
  // Was: `/m/x.yaml: unknown field ""`, path '' — it read as if about the whole file.
  const r = load(`"": 1\n${POD('a')}`);
  assert.deepEqual(lines(r), ['/m/x.yaml: [""]: unknown field ""']);
});

test('proto-key-becomes-prototype: a __proto__ key is refused whether or not the file has a null', () => {
  const body = 'spec:\n  __proto__: {hostNetwork: true}\n  containers: [{name: c, image: i}]\n';
  // Without a null: refused as an unknown field. With one: accepted, hostNetwork silently dropped.
  assert.deepEqual(lines(load(`apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n${body}`)), ['/m/x.yaml: spec.__proto__: unknown field "__proto__"']);
  assert.deepEqual(lines(load(`apiVersion: v1\nkind: Pod\nmetadata: {name: a, creationTimestamp: null}\n${body}`)), ['/m/x.yaml: spec.__proto__: unknown field "__proto__"']);
});

test('raw-key-in-path: a key with a newline keeps the error on one line', () => {
  const r = lines(load(`${POD('a')}"odd\\nkey": 1\n`));
  assert.deepEqual(r, ['/m/x.yaml: ["odd\\nkey"]: unknown field "odd\\nkey"']);
  const labels = lines(load(POD('a').replace('{name: a}', '{name: a, labels: {"a\\u2028b": x}}')));
  assert.ok(labels.length === 1 && labels[0]!.startsWith('/m/x.yaml: metadata.labels["a\\u2028b"]: '), labels.join('\n'));
});

test('unique-keys-quadratic: a mapping of 8,000 keys (80 KB) decodes in well under a second', () => {
  // yaml's uniqueKeys compares each new key with every earlier one: 20,000 keys took 4-6 s here.
  const text = (n: number): string => {
    const labels = Array.from({ length: n }, (_, i) => `k${i}: v`).join(', ');
    return `apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {${labels}}}\nspec: {containers: [{name: c, image: i}]}\n`;
  };
  // Linear costs 100-150 ms of CPU here once the code is compiled (the first big input costs
  // twice that): warm up, then take the best of a few. CPU time, not wall time: this machine
  // is shared, and a load average of 6 on its 2 cores triples wall times.
  load(text(1000));
  const big = text(8000);
  let ms = Infinity;
  for (let i = 0; i < 5 && ms >= 250; i++) {
    const c0 = process.cpuUsage();
    assert.equal(load(big).ok, true);
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, (c.user + c.system) / 1000);
  }
  assert.ok(ms < 250, `${ms.toFixed(0)} ms of CPU for ${big.length} bytes`);
  // Duplicates are still found, also those that only collide as JSON keys.
  assert.deepEqual(lines(load(text(10).replace('k9: v', 'k3: v'))), ['/m/x.yaml: duplicate key at line 3, column 93']);
  assert.deepEqual(lines(load(POD('a').replace('{name: a}', '{name: a, labels: {1: a, "1": b}}'))), ['/m/x.yaml: duplicate key at line 3, column 36']);
});

test('lone-surrogate: a "\\ud800" escape is refused, not run as U+FFFD', () => {
  const message = 'a string with a lone UTF-16 surrogate (an escape such as "\\ud800") is not valid Unicode';
  assert.deepEqual(lines(load(POD('a', ', command: ["\\ud800"]'))), [`/m/x.yaml: ${message} at line 4, column 51`]);
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  assert.deepEqual(lines(load(json.replace('"image":"i"', '"image":"i\\udc00"'))), [`/m/x.yaml: ${message} at line 1, column 99`]);
  // A pair written as two escapes is one valid character.
  assert.equal(load(POD('a', ', command: ["\\ud83d\\ude00"]')).ok, true);
});

test('undefined-alias: an alias to a missing anchor is not called an alias bomb', () => {
  // Was: "too many YAML alias expansions (limit 100); refusing a possible alias bomb", no line:
  // yaml throws "Unresolved alias (the anchor must be set before the alias): undefined", which
  // aliasMessage's /alias/i took for the alias limit.
  const r = lines(load(POD('a').replace('{name: a}', '{name: a, labels: {x: *undefined}}')));
  assert.deepEqual(r, ['/m/x.yaml: YAML alias *undefined has no anchor &undefined before it at line 3, column 33']);
  // The same mistake for merge sources ("Merge sources must be maps or map aliases").
  const merge = lines(load('apiVersion: v1\nkind: Pod\nx: &b s\nmetadata:\n  <<: *b\n  name: a\nspec: {containers: [{name: c, image: i}]}\n'));
  assert.deepEqual(merge, ['/m/x.yaml: a YAML merge key (<<) takes a mapping or a list of mappings at line 5, column 7']);
});

test('collection-key-warnings: a mapping key that is a collection emits no process warning', async () => {
  // yaml called process.emitWarning("Keys with collection values will be stringified …") once
  // per such key per load: unbounded stderr output outside the logger, and ~4 KB held per
  // warning until the event loop turns. Such keys are refused now (Kubernetes refuses them too).
  let warnings = 0;
  const count = (): void => void warnings++;
  process.on('warning', count);
  try {
    assert.deepEqual(lines(load(POD('a').replace('{name: a}', '{name: a, labels: {? [a, b]: c}}'))), ['/m/x.yaml: a mapping key that is itself a list or a mapping (keys must be strings) at line 3, column 32']);
    load('apiVersion: v1\nkind: Pod\nk: &k {a: 1}\nmetadata: {name: a, labels: {*k : c}}\nspec: {containers: [{name: c, image: i}]}\n');
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', count);
  }
  assert.equal(warnings, 0);
});

test('alias-resolution-quadratic: many distinct anchors aliased through a list cost linear time', () => {
  // Found by hand next to undefined-alias: yaml's alias budget (maxAliasCount) walks the whole
  // document once per alias inside an aliased anchor. 3,000 anchors (53 KB) took 4.8 s, 6,000
  // (140 KB) 25 s, in one step the supervisor cannot slice.
  const text = (n: number): string => {
    let s = `${POD('a')}x:\n`;
    for (let i = 0; i < n; i++) s += `  a${i}: &a${i} v\n`;
    return `${s}  b: &b [${Array.from({ length: n }, (_, i) => `*a${i}`).join(', ')}]\n  c: *b\n`;
  };
  load(text(100));
  let ms = Infinity;
  for (let i = 0; i < 5 && ms >= 250; i++) {
    const c0 = process.cpuUsage();
    assert.deepEqual(lines(load(text(990))), ['/m/x.yaml: x: unknown field "x"']);
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, (c.user + c.system) / 1000);
  }
  assert.ok(ms < 250, `${ms.toFixed(0)} ms of CPU`);
  // More aliases than a manifest needs are refused where the limit is passed.
  assert.deepEqual(lines(load(text(3000))), ['/m/x.yaml: more than 1000 YAML aliases in one document (the limit) at line 3006, column 6900']);
});
