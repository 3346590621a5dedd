import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDocuments, type DecodeResult } from '../../../src/sources/decode.js';

function problems(r: DecodeResult): string[] {
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? [] : r.problems.map((p) => (p.document === undefined ? p.message : `[${p.document}] ${p.message}`));
}

test('single JSON and YAML documents decode', () => {
  const y = decodeDocuments(Buffer.from('a: 1\nb: [x, z]\n'));
  assert.deepEqual(y, { ok: true, documents: [{ a: 1, b: ['x', 'z'] }], indexes: [0], multiDocument: false });
  const j = decodeDocuments(Buffer.from('{"a": 1, "b": ["x"]}'));
  assert.deepEqual(j, { ok: true, documents: [{ a: 1, b: ['x'] }], indexes: [0], multiDocument: false });
});

test('multi-document streams decode, empty documents are skipped but counted', () => {
  const r = decodeDocuments(Buffer.from('---\na: 1\n---\nb: 2\n---\n'));
  assert.deepEqual(r, { ok: true, documents: [{ a: 1 }, { b: 2 }], indexes: [0, 1], multiDocument: true });
  // `indexes` place each document in the stream, so errors name the right `---` part.
  const gaps = decodeDocuments(Buffer.from('a: 1\n---\n---\n--- ~\n---\nb: 2\n'));
  assert.deepEqual(gaps, { ok: true, documents: [{ a: 1 }, { b: 2 }], indexes: [0, 4], multiDocument: true });
});

test('a UTF-8 byte order mark is accepted', () => {
  const r = decodeDocuments(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\n')]));
  assert.equal(r.ok, true);
});

test('YAML 1.1 scalars read as the Kubernetes decoder reads them', () => {
  // Kubernetes' YAML decoder is YAML 1.1: an unquoted `yes`, `off` or even `y` is a boolean there
  // (and then fails a string field), and 0755 is octal, as in a defaultMode.
  const r = decodeDocuments(Buffer.from('a: yes\nb: off\nc: 0755\nd: [y, n]\n'));
  assert.deepEqual(r.ok && r.documents[0], { a: true, b: false, c: 493, d: [true, false] });
});

test('duplicate keys are refused with their position', () => {
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: 1\nb: 2\na: 3\n'))), ['duplicate key at line 3, column 1']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('{"a": 1, "a": 2}'))), ['duplicate key at line 1, column 10']);
});

test('an alias-expansion bomb is refused quickly', () => {
  const bomb = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  ].join('\n');
  const started = Date.now();
  assert.match(problems(decodeDocuments(Buffer.from(bomb)))[0]!, /too many YAML alias expansions/);
  assert.ok(Date.now() - started < 2000);
});

test('a few aliases are fine', () => {
  const r = decodeDocuments(Buffer.from('first: &img busybox\nsecond: *img\n'));
  assert.deepEqual(r.ok && r.documents[0], { first: 'busybox', second: 'busybox' });
});

test('oversize content is refused before parsing', () => {
  const big = Buffer.alloc(2048, 'a');
  assert.deepEqual(problems(decodeDocuments(big, { maxBytes: 1024 })), ['content is 2048 bytes, over the limit of 1024 bytes']);
});

test('binary content is refused', () => {
  assert.match(problems(decodeDocuments(Buffer.from([0x61, 0x3a, 0x00, 0x01, 0x02])))[0]!, /binary content \(NUL byte at offset 2\)/);
});

test('invalid UTF-8 is refused with the offset of the bad byte', () => {
  assert.deepEqual(problems(decodeDocuments(Buffer.from([0x61, 0x3a, 0x20, 0xc3, 0x28]))), ['not valid UTF-8 (at byte offset 3)']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from([0x61, 0x3a, 0x20, 0xe2, 0x82]))), ['not valid UTF-8 (at byte offset 3)']);
});

test('pathological nesting is refused, not a crash', () => {
  // Thousands of flow levels abort V8 inside the YAML composer; the lexer guard must stop them.
  const deep = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  assert.match(problems(decodeDocuments(Buffer.from(deep)))[0]!, /nesting deeper than 100 levels/);
  let block = '';
  for (let i = 0; i < 2000; i++) block += `${' '.repeat(i)}k:\n`;
  assert.match(problems(decodeDocuments(Buffer.from(block)))[0]!, /nesting deeper than 100 levels/);
});

test('syntax errors name the line', () => {
  assert.match(problems(decodeDocuments(Buffer.from('a: [1, 2\nb: 3\n')))[0]!, /cannot parse YAML: .*line 2/);
});

test('errors in one document of a stream name its index', () => {
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: 1\n---\nb: 1\nb: 2\n'))), ['[1] duplicate key at line 4, column 1']);
});

test('empty and comment-only content is refused as holding no documents', () => {
  assert.deepEqual(problems(decodeDocuments(Buffer.from(''))), ['contains no documents']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('# nothing\n---\n'))), ['contains no documents']);
});

test('limits are checked before parsing and name themselves', () => {
  const started = Date.now();
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: 1\n---\n'.repeat(501)))), ['more than 500 YAML documents (the limit per file)']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from(`a: [${'1,'.repeat(20_001)}]`))), ['more than 20000 YAML nodes in document 0 (the limit per document)']);
  const docs = Array.from({ length: 6 }, () => `a: [${'1,'.repeat(19_000)}]`).join('\n---\n');
  assert.deepEqual(problems(decodeDocuments(Buffer.from(docs))), ['more than 100000 YAML nodes (the limit per file)']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from(`a: "${'x'.repeat(300_000)}"`))), ['a scalar of 300002 characters, over the limit of 262144 per scalar']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: 1\n---\n'.repeat(3)), { limits: { documents: 2 } })), ['more than 2 YAML documents (the limit per file)']);
  assert.ok(Date.now() - started < 2000);
});

test('block nesting is measured from indentation, compact sequences included', () => {
  let ok = 'a:\n';
  for (let i = 1; i < 48; i++) ok += `${'  '.repeat(i)}- k${i}:\n`;
  assert.equal(decodeDocuments(Buffer.from(ok)).ok, true, 'about 95 levels');
  const seqs = `${'- '.repeat(101)}x\n`;
  assert.deepEqual(problems(decodeDocuments(Buffer.from(seqs))), ['nesting deeper than 100 levels (the limit) at line 1, column 201']);
  // A real pod: mappings and compact sequences at the same column do not count twice.
  const pod = 'spec:\n  containers:\n  - name: a\n    env:\n    - name: X\n      value: z\n  - name: b\n';
  assert.deepEqual(decodeDocuments(Buffer.from(pod)), { ok: true, documents: [{ spec: { containers: [{ name: 'a', env: [{ name: 'X', value: 'z' }] }, { name: 'b' }] } }], indexes: [0], multiDocument: false });
});

test('duplicate keys are found in linear time', () => {
  const keys = Array.from({ length: 9_000 }, (_, i) => `k${i}: 1`);
  const started = Date.now();
  assert.equal(decodeDocuments(Buffer.from(`m:\n${keys.map((k) => `  ${k}`).join('\n')}\n`)).ok, true);
  assert.deepEqual(problems(decodeDocuments(Buffer.from(`m:\n${[...keys, 'k7: 2'].map((k) => `  ${k}`).join('\n')}\n`))), ['duplicate key at line 9002, column 3']);
  // yaml's own check compared each key with every earlier one: this took seconds.
  assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
});

test('an alias inside its own anchor is refused; shared anchors are fine', () => {
  assert.deepEqual(problems(decodeDocuments(Buffer.from('key: &a [*a]\n'))), ['YAML alias *a is inside its own anchor (a cyclic structure) at line 1, column 10']);
  assert.match(problems(decodeDocuments(Buffer.from('spec: &s\n  x:\n    y: *s\n')))[0]!, /alias \*s is inside its own anchor/);
  const r = decodeDocuments(Buffer.from('a: &x {p: 1}\nb: *x\nc: [*x, *x]\n'));
  assert.deepEqual(r.ok && r.documents[0], { a: { p: 1 }, b: { p: 1 }, c: [{ p: 1 }, { p: 1 }] });
});

test('YAML types JSON cannot hold are refused with their position, not changed or dropped', () => {
  // toJS would make a Buffer, a Map, a Set, an array of pairs and a Date of these.
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: !!binary aGVsbG8=\n'))), ['YAML type !!binary has no JSON equivalent at line 1, column 13']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: !!omap [b: 1]\n'))), ['YAML type !!omap has no JSON equivalent at line 1, column 11']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: !!set {b}\n'))), ['YAML type !!set has no JSON equivalent at line 1, column 10']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: !!pairs [b: 1]\n'))), ['YAML type !!pairs has no JSON equivalent at line 1, column 12']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a:\n  b: !!timestamp 2001-12-14\n'))), ['YAML type !!timestamp has no JSON equivalent at line 2, column 18']);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: [.nan, -.inf, 1e400]\n'))), [
    'the number .nan has no JSON equivalent (NaN or infinite) at line 1, column 5',
    'the number -.inf has no JSON equivalent (NaN or infinite) at line 1, column 11',
    'the number 1e400 has no JSON equivalent (NaN or infinite) at line 1, column 18',
  ]);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: !!merge <<\n'))), ['a YAML merge (!!merge) used as a value at line 1, column 12']);
});

test('plain timestamps and base-60 numbers stay strings; unknown local tags are ignored', () => {
  // Kubernetes' decoder (go-yaml) hands timestamps over as strings and reads no base-60 numbers.
  const r = decodeDocuments(Buffer.from('a: 2001-12-14\nb: 2001-12-14T21:59:43.10-05:00\nc: 12:30\nd: 1:20.5\ne: !local x\n'));
  assert.deepEqual(r.ok && r.documents[0], { a: '2001-12-14', b: '2001-12-14T21:59:43.10-05:00', c: '12:30', d: '1:20.5', e: 'x' });
});

test('strings with lone surrogates are refused, in values and keys, YAML and JSON', () => {
  const message = 'a string with a lone UTF-16 surrogate (an escape such as "\\ud800") is not valid Unicode';
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: "x\\ud800"\n'))), [`${message} at line 1, column 4`]);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('{"\\udfff": 1}'))), [`${message} at line 1, column 2`]);
  const pair = decodeDocuments(Buffer.from('a: "\\ud83d\\ude00"\n'));
  assert.deepEqual(pair.ok && pair.documents[0], { a: '😀' });
});

test('an alias needs an anchor before it', () => {
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: *x\nb: &x 1\n'))), ['YAML alias *x has no anchor &x before it at line 1, column 4']);
  const r = decodeDocuments(Buffer.from('b: &x 1\na: *x\n'));
  assert.deepEqual(r.ok && r.documents[0], { b: 1, a: 1 });
});

test('keys: collections are refused, duplicates are found as JSON keys, merge keys are not duplicates', () => {
  let warned = 0;
  const onWarning = (): void => void warned++;
  process.on('warning', onWarning);
  try {
    const message = 'a mapping key that is itself a list or a mapping (keys must be strings)';
    assert.deepEqual(problems(decodeDocuments(Buffer.from('? [a, b]\n: c\n'))), [`${message} at line 1, column 3`]);
    assert.deepEqual(problems(decodeDocuments(Buffer.from('k: &k {a: 1}\nm: {*k : c}\n'))), [`${message} at line 2, column 5`]);
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(warned, 0);
  // `1` and "1" are one key in JSON; `~` and '' too.
  assert.deepEqual(problems(decodeDocuments(Buffer.from('1: a\n"1": b\n~: c\n"": d\n'))), ['duplicate key at line 2, column 1', 'duplicate key at line 4, column 1']);
  const k = decodeDocuments(Buffer.from('k: &k name\nm: {*k : c}\n'));
  assert.deepEqual(k.ok && k.documents[0], { k: 'name', m: { name: 'c' } });
  const merged = decodeDocuments(Buffer.from('a: &a {p: 1}\nb: &b {q: 2}\nc:\n  <<: *a\n  <<: [*b]\n  r: 3\n'));
  assert.deepEqual(merged.ok && merged.documents[0], { a: { p: 1 }, b: { q: 2 }, c: { p: 1, q: 2, r: 3 } });
});

test('a merge key takes a mapping or a list of mappings, with its position otherwise', () => {
  const message = 'a YAML merge key (<<) takes a mapping or a list of mappings';
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: &a x\nb:\n  <<: *a\n'))), [`${message} at line 3, column 7`]);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('b:\n  <<: [{x: 1}, 2]\n'))), [`${message} at line 2, column 16`]);
  assert.deepEqual(problems(decodeDocuments(Buffer.from('a: &a [1]\nb:\n  <<: [*a]\n'))), [`${message} at line 3, column 8`]);
});

test('aliases: at most 1,000 in a document, and what they expand to is bounded, each with its position', () => {
  const many = `a: &a x\nb: [${Array(1001).fill('*a').join(', ')}]\n`;
  assert.deepEqual(problems(decodeDocuments(Buffer.from(many))), ['more than 1000 YAML aliases in one document (the limit) at line 2, column 4005']);
  // 1,000 nodes aliased 200 times: the 99th alias passes the 100,000 nodes of `limits.nodes`.
  const wide = `a: &a [${Array(999).fill('x').join(', ')}]\nb: [${Array(200).fill('*a').join(', ')}]\n`;
  assert.deepEqual(problems(decodeDocuments(Buffer.from(wide))), ['too many YAML alias expansions (the document would hold more than 100000 nodes); refusing a possible alias bomb at line 2, column 397']);
  assert.match(problems(decodeDocuments(Buffer.from(wide), { limits: { nodes: 50_000 } }))[0]!, /more than 50000 nodes.* at line 2, column 197$/);
});
