import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, symlink, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSubPathExpr, resolveSubPath } from '../../../src/volumes/subpath.js';
import { containerMounts } from '../../../src/volumes/mounts.js';
import { VolumeError } from '../../../src/volumes/errors.js';

const env = new Map([['POD', 'web'], ['NS', 'default'], ['EMPTY', '']]);
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'staticlet-subpath-'));
  dirs.push(d);
  return d;
}

test('subPathExpr expansion: $(VAR), $$ escape, literals', () => {
  const x = (s: string) => expandSubPathExpr(s, env);
  assert.deepEqual(x('$(NS)/$(POD)'), { value: 'default/web', missing: [] });
  assert.deepEqual(x('$$(POD)'), { value: '$(POD)', missing: [] });
  assert.deepEqual(x('a$$b'), { value: 'a$b', missing: [] });
  assert.deepEqual(x('$POD'), { value: '$POD', missing: [] });
  assert.deepEqual(x('x$'), { value: 'x$', missing: [] });
  assert.deepEqual(x('$(POD'), { value: '$(POD', missing: [] });
  assert.deepEqual(x('logs/$(NOPE)/$(EMPTY)'), { value: 'logs//', missing: ['EMPTY', 'NOPE'] });
});

test('subPath: created with the volume root mode, resolved inside, symlink escapes refused', async () => {
  const d = await temp();
  const vol = join(d, 'vol');
  await mkdir(vol);
  await chmod(vol, 0o2775);
  const p = await resolveSubPath(vol, 'a/b');
  assert.equal(p, join(vol, 'a', 'b'));
  assert.equal((await stat(p)).mode & 0o7777, 0o2775);
  await symlink('/etc', join(vol, 'escape'));
  await assert.rejects(resolveSubPath(vol, 'escape'), /outside of the volume/);
  await assert.rejects(resolveSubPath(vol, 'escape/x'), /outside of the volume/);
  await symlink('a', join(vol, 'inner'));
  assert.equal(await resolveSubPath(vol, 'inner/b'), join(vol, 'a', 'b'));
  await assert.rejects(resolveSubPath(vol, '../x'), /'\.\.'/);
  await assert.rejects(resolveSubPath(vol, '/abs'), /absolute/);
});

test('containerMounts: readOnly, propagation, subPathExpr, read-only volumes', async () => {
  const d = await temp();
  const vols = new Map([['data', { hostPath: d }], ['info', { hostPath: d, readOnly: true }]]);
  const mounts = await containerMounts({
    name: 'c',
    volumeMounts: [
      { name: 'data', mountPath: '/a' },
      { name: 'data', mountPath: '/b', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'data', mountPath: '/c', subPathExpr: '$(NS)/$(POD)', mountPropagation: 'Bidirectional' },
      { name: 'info', mountPath: '/d' },
      { name: 'data', mountPath: '/e', readOnly: true, recursiveReadOnly: 'IfPossible' },
    ],
  }, vols, env);
  assert.deepEqual(mounts, [
    { containerPath: '/a', hostPath: d, readonly: false, propagation: 'private' },
    { containerPath: '/b', hostPath: d, readonly: true, propagation: 'host-to-container' },
    { containerPath: '/c', hostPath: join(d, 'default', 'web'), readonly: false, propagation: 'bidirectional' },
    { containerPath: '/d', hostPath: d, readonly: true, propagation: 'private' },
    { containerPath: '/e', hostPath: d, readonly: true, propagation: 'private' },
  ]);
  await assert.rejects(
    containerMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/x', subPathExpr: '$(NOPE)' }] }, vols, env),
    (e: unknown) => e instanceof VolumeError && /missing value for NOPE/.test(e.message) && /container "c"/.test(e.message),
  );
  await assert.rejects(containerMounts({ name: 'c', volumeMounts: [{ name: 'gone', mountPath: '/x' }] }, vols, env), VolumeError);
});
