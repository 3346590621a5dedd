import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripNulls } from '../../../src/validation/index.js';

test('stripNulls drops null properties, keeps null array elements, and returns clean input itself', () => {
  const clean = { a: [1, null], b: { c: 'x' } };
  assert.equal(stripNulls(clean), clean);
  assert.deepEqual(stripNulls({ a: null, b: [null, { c: null, d: 1 }] }), { b: [null, { d: 1 }] });
});

test('stripNulls walks 100,000 levels without a stack overflow', () => {
  let deep: Record<string, unknown> = { end: null };
  for (let i = 0; i < 100_000; i++) deep = { next: deep };
  let out = stripNulls(deep) as Record<string, unknown>;
  for (let i = 0; i < 100_000; i++) out = out.next as Record<string, unknown>;
  assert.deepEqual(out, {});
});

test('stripNulls is safe on shared and cyclic structures', () => {
  const shared: Record<string, unknown> = { n: null, v: 1 };
  const copy = stripNulls({ a: shared, b: shared }) as { a: unknown; b: unknown };
  assert.deepEqual(copy.a, { v: 1 });
  assert.equal(copy.a, copy.b, 'a shared object is copied once');
  const cyclic: Record<string, unknown> = { n: null };
  cyclic.self = cyclic;
  const c = stripNulls(cyclic) as Record<string, unknown>;
  assert.equal(c.self, c);
  assert.equal('n' in c, false);
});
