import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cIdentifier, dns1123Label, dns1123Subdomain, envVarName, ianaSvcName, labelValue, qualifiedName } from '../../../src/validation/names.js';

function check(fn: (s: string) => string[], good: string[], bad: string[]): void {
  for (const s of good) assert.deepEqual(fn(s), [], `${fn.name}(${JSON.stringify(s)}) should pass`);
  for (const s of bad) assert.notDeepEqual(fn(s), [], `${fn.name}(${JSON.stringify(s)}) should fail`);
}

test('DNS-1123 label', () => check(dns1123Label, ['a', '0', 'a-b', 'a'.repeat(63)], ['', 'A', '-a', 'a-', 'a.b', 'a_b', 'a'.repeat(64)]));
test('DNS-1123 subdomain', () => check(dns1123Subdomain, ['a', 'a.b', 'a-1.b-2', `${'a'.repeat(63)}.${'b'.repeat(63)}`], ['', 'a..b', '.a', 'a.', 'A.b', 'a'.repeat(254)]));
test('qualified name', () => check(qualifiedName, ['a', 'A_b.C-d', 'example.com/Name', 'a/b'], ['', '/a', 'a/', 'a/b/c', '-a', 'a-', 'Example.com/a', `${'a'.repeat(64)}`]));
test('label value', () => check(labelValue, ['', 'a', 'A.b_c-D', 'a'.repeat(63)], ['-a', 'a b', 'a'.repeat(64)]));
test('IANA_SVC_NAME', () => check(ianaSvcName, ['http', 'h2c', 'dns-tcp', 'a'.repeat(15)], ['', 'HTTP', '80', '-http', 'http-', 'a--b', 'a_b', 'a'.repeat(16)]));
test('C identifier', () => check(cIdentifier, ['A', '_a', 'a_1'], ['', '1a', 'a-b', 'a.b']));
test('environment variable name (relaxed, 1.34+)', () => check(envVarName, ['A', '1A', 'a.b-c', 'with space', '~!@#$%^&*()'], ['', 'A=B', 'tab\there', 'é', 'new\nline']));
