import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDocuments, type DecodeResult } from '../../../src/sources/decode.js';

function problems(r: DecodeResult): string[] {
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? [] : r.problems.map((p) => (p.document === undefined ? p.message : `[${p.document}] ${p.message}`));
}

test('single JSON and YAML documents decode', () => {
  const y = decodeDocuments(Buffer.from('a: 1\nb: [x, z]\n'));
  assert.deepEqual(y, { ok: true, documents: [{ a: 1, b: ['x', 'z'] }], multiDocument: false });
  const j = decodeDocuments(Buffer.from('{"a": 1, "b": ["x"]}'));
  assert.deepEqual(j, { ok: true, documents: [{ a: 1, b: ['x'] }], multiDocument: false });
});

test('multi-document streams decode, empty trailing documents are skipped', () => {
  const r = decodeDocuments(Buffer.from('---\na: 1\n---\nb: 2\n---\n'));
  assert.deepEqual(r, { ok: true, documents: [{ a: 1 }, { b: 2 }], multiDocument: true });
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
  assert.deepEqual(problems(decodeDocuments(Buffer.from(seqs))), ['nesting deeper than 100 levels (the limit)']);
  // A real pod: mappings and compact sequences at the same column do not count twice.
  const pod = 'spec:\n  containers:\n  - name: a\n    env:\n    - name: X\n      value: z\n  - name: b\n';
  assert.deepEqual(decodeDocuments(Buffer.from(pod)), { ok: true, documents: [{ spec: { containers: [{ name: 'a', env: [{ name: 'X', value: 'z' }] }, { name: 'b' }] } }], multiDocument: false });
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
