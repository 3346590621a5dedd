import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSafePathComponent } from '../../../src/lib/path-component.js';
import { podLogDir } from '../../../src/pods/log-paths.js';
import { emptyDirPath, podDir, podsDir } from '../../../src/volumes/paths.js';

const node = { rootDir: '/var/lib/staticlet' };
const UNSAFE = ['', '.', '..', '../x', 'a/b', '/abs', 'a\\b', 'a\0b', 'ü', 'a'.repeat(129)];

test('a safe path component: letters, digits, ".", "_", "-", not "." or "..", at most 128', () => {
  for (const ok of ['0c7b7b5e-3f1a-4c55-9a4e-7d2f1b6a9c10', 'd41d8cd98f00b204e9800998ecf8427e', 'a.b_c-D', '...', 'a'.repeat(128)]) assert.equal(isSafePathComponent(ok), true, ok);
  for (const bad of UNSAFE) assert.equal(isSafePathComponent(bad), false, JSON.stringify(bad));
});

test('podDir joins a safe uid and throws for any other rather than leave the pods directory', () => {
  assert.equal(podDir(node, 'uid-1'), '/var/lib/staticlet/pods/uid-1');
  assert.equal(podsDir(node), '/var/lib/staticlet/pods');
  assert.throws(() => podDir(node, '../x'), /unsafe pod UID "\.\.\/x"/);
  for (const bad of UNSAFE) assert.throws(() => podDir(node, bad), Error, JSON.stringify(bad));
  // Every per-pod path goes through it.
  assert.throws(() => emptyDirPath(node, '../../etc', 'data'), /unsafe pod UID/);
});

test('podLogDir throws for an unsafe uid', () => {
  assert.equal(podLogDir('/var/log/pods', 'default', 'web-n1', 'uid-1'), '/var/log/pods/default_web-n1_uid-1');
  assert.throws(() => podLogDir('/var/log/pods', 'default', 'web-n1', '../../../x'), /unsafe pod UID/);
});
