import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareQuantities, isInteger, parseQuantity } from '../../../src/validation/quantity.js';

const q = (s: string | number) => {
  const v = parseQuantity(s);
  assert.ok(v, `${s} should parse`);
  return v;
};

test('valid quantity syntaxes', () => {
  for (const s of ['0', '1', '+1', '-1', '1.', '.5', '1.5', '100m', '1n', '1u', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei', '1e3', '1E3', '1e-3', '1e+3', '1.5e2']) {
    assert.ok(parseQuantity(s), s);
  }
});

test('invalid quantity syntaxes', () => {
  for (const s of ['', '.', '+', '1.5.3', '1K', '1kb', '1KiB', '1e', '1e3.5', ' 1', '1 ', 'one', '1mi', '0x10', '--1', '1e99999999999999999999']) {
    assert.equal(parseQuantity(s), undefined, s);
  }
});

test('exact comparisons across suffixes', () => {
  assert.equal(compareQuantities(q('1Ki'), q('1024')), 0);
  assert.equal(compareQuantities(q('128Mi'), q('0.125Gi')), 0);
  assert.equal(compareQuantities(q('1k'), q('1e3')), 0);
  assert.equal(compareQuantities(q('500m'), q(0.5)), 0);
  assert.equal(compareQuantities(q('1G'), q('1Gi')), -1);
  assert.equal(compareQuantities(q('-1'), q('0')), -1);
  assert.equal(compareQuantities(q('-2'), q('-1')), -1);
  assert.equal(compareQuantities(q('1.000000001'), q('1')), 1);
  // Values beyond float precision stay exact.
  assert.equal(compareQuantities(q('9007199254740993'), q('9007199254740992')), 1);
});

test('rounds up to nano precision like the API server', () => {
  assert.equal(compareQuantities(q('0.1n'), q('1n')), 0);
  assert.equal(compareQuantities(q('1.0000000001'), q('1000000001n')), 0);
});

test('hostile exponents neither hang nor lose order', () => {
  const start = process.hrtime.bigint();
  const a = q('1e999999999');
  const b = q('2e999999999');
  assert.equal(compareQuantities(a, b), -1);
  assert.equal(compareQuantities(q('1e-999999999'), q('0')), 1);
  assert.ok(process.hrtime.bigint() - start < 50_000_000n, 'took too long');
});

test('integer detection for extended resources', () => {
  assert.equal(isInteger(q('2')), true);
  assert.equal(isInteger(q('2k')), true);
  assert.equal(isInteger(q('1500m')), false);
  assert.equal(isInteger(q('2000m')), true);
});
