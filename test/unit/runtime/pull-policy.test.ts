import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePull, defaultPullPolicy, effectivePullPolicy, isValidImageRef, parseImageRef, type PullPolicy } from '../../../src/runtime/index.js';

describe('default pull policy', () => {
  const table: Array<[string, PullPolicy]> = [
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1.36', 'IfNotPresent'],
    ['docker.io/library/busybox', 'Always'],
    ['registry:5000/ns/app', 'Always'],
    ['registry:5000/ns/app:latest', 'Always'],
    ['registry:5000/ns/app:v2', 'IfNotPresent'],
    ['127.0.0.1:5000/app', 'Always'],
    ['app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
    ['app:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
    ['staticlet.local/busybox:1.36', 'IfNotPresent'],
  ];
  for (const [image, want] of table) {
    it(`${image} → ${want}`, () => assert.equal(defaultPullPolicy(image), want));
  }

  it('an explicit policy wins over the default', () => {
    assert.equal(effectivePullPolicy('busybox:latest', 'Never'), 'Never');
    assert.equal(effectivePullPolicy('busybox:1.0', 'Always'), 'Always');
    assert.equal(effectivePullPolicy('busybox', ''), 'Always');
    assert.equal(effectivePullPolicy('busybox:1.0', undefined), 'IfNotPresent');
  });
});

describe('decidePull', () => {
  const table: Array<[PullPolicy, boolean, ReturnType<typeof decidePull>]> = [
    ['Always', true, 'pull'],
    ['Always', false, 'pull'],
    ['IfNotPresent', true, 'use-present'],
    ['IfNotPresent', false, 'pull'],
    ['Never', true, 'use-present'],
    ['Never', false, 'never-pull-missing'],
  ];
  for (const [policy, present, want] of table) {
    it(`${policy}, ${present ? 'present' : 'absent'} → ${want}`, () => assert.equal(decidePull(policy, present), want));
  }
});

describe('parseImageRef / isValidImageRef', () => {
  it('splits repository, tag and digest', () => {
    assert.deepEqual(parseImageRef('host:5000/a/b:1.0'), { repository: 'host:5000/a/b', tag: '1.0' });
    assert.deepEqual(parseImageRef('host:5000/a/b'), { repository: 'host:5000/a/b' });
    assert.deepEqual(parseImageRef('a@sha256:ff'), { repository: 'a', digest: 'sha256:ff' });
  });

  it('accepts normal references and rejects broken ones', () => {
    for (const ok of ['busybox', 'busybox:1.36', 'Registry.Example:5000/ns/app:v1', 'a/b@sha256:ff']) assert.ok(isValidImageRef(ok), ok);
    for (const bad of ['', ' busybox', 'busy box', 'BusyBox:1', 'busybox:1!', ':tag']) assert.ok(!isValidImageRef(bad), bad);
  });
});
