import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../../support/apiserver/selectors.js';
import { ApiError } from '../../support/apiserver/status.js';

const labels = { app: 'web', tier: 'front', 'kubernetes.io/os': 'linux', n: '5' };
const sel = (s: string, l: Record<string, string> | undefined = labels) => matchLabels(parseLabelSelector(s), l);
const isBadRequest = (e: unknown) => e instanceof ApiError && e.status.code === 400 && e.status.reason === 'BadRequest';

describe('label selectors (emulator)', () => {
  test('=, == and !=; != also matches objects without the label', () => {
    assert.ok(sel('app=web'));
    assert.ok(sel('app==web,tier=front'));
    assert.ok(!sel('app=db'));
    assert.ok(sel('app!=db'));
    assert.ok(sel('missing!=x'));
    assert.ok(!sel('app!=web'));
    assert.ok(sel('kubernetes.io/os=linux'));
  });

  test('in, notin, exists and !exists', () => {
    assert.ok(sel('app in (db, web)'));
    assert.ok(!sel('app in (db)'));
    assert.ok(sel('app notin (db)'));
    assert.ok(sel('missing notin (db)'));
    assert.ok(!sel('app notin (web,db)'));
    assert.ok(sel('tier'));
    assert.ok(!sel('missing'));
    assert.ok(sel('!missing'));
    assert.ok(!sel('!app'));
    assert.ok(sel('app in (web),tier,!missing'), 'commas inside and between requirements');
    assert.ok(sel('', undefined), 'the empty selector matches everything');
  });

  test('gt and lt compare integer values', () => {
    assert.ok(sel('n>4'));
    assert.ok(!sel('n<5'));
    assert.ok(!sel('app>1'), 'a non-integer value never matches');
  });

  test('malformed selectors are 400 Bad Request', () => {
    for (const bad of ['app=we b', '=x', 'app in x', 'a,,b', 'Bad Key=1']) assert.throws(() => parseLabelSelector(bad), isBadRequest, bad);
  });
});

describe('field selectors (emulator)', () => {
  const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase', 'involvedObject.namespace'];
  const fields = { 'metadata.name': 'web', 'metadata.namespace': 'default', 'spec.nodeName': 'n1', 'status.phase': 'Running', 'involvedObject.namespace': '' };
  const f = (s: string) => matchFields(parseFieldSelector(s, supported), fields);

  test('=, == and != over the declared fields, as kubectl describe node asks', () => {
    assert.ok(f('spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed'));
    assert.ok(!f('spec.nodeName=n2'));
    assert.ok(f('metadata.name==web'));
    assert.ok(f('involvedObject.namespace='), 'an empty value matches an empty field');
  });

  test('backslash escapes commas and equals signs in values', () => {
    assert.deepEqual(parseFieldSelector('metadata.name=a\\,b\\=c', supported), [{ field: 'metadata.name', op: 'eq', value: 'a,b=c' }]);
  });

  test('a field the resource does not declare is refused', () => {
    assert.throws(() => parseFieldSelector('spec.bogus=1', supported), (e: unknown) => isBadRequest(e) && (e as ApiError).status.message === 'field label not supported: spec.bogus');
    assert.throws(() => parseFieldSelector('metadata.name', supported), isBadRequest);
  });
});
