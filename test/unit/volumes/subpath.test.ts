import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, symlink, chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bindSubPath, expandSubPathExpr, unbindAt } from '../../../src/volumes/subpath.js';
import { mountsUnder, readMounts } from '../../../src/volumes/mountinfo.js';
import { containerMounts } from '../../../src/volumes/mounts.js';
import { VolumeError } from '../../../src/volumes/errors.js';
import { tempDirsWithMounts } from '../../helpers/temp-mounts.js';

const env = new Map([['POD', 'web'], ['NS', 'default'], ['EMPTY', '']]);
/** Temp dirs; what is mounted in them comes off afterwards. */
const temp = tempDirsWithMounts('staticlet-subpath-');

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

test('subPath: created with the volume root mode, bind-mounted, symlink escapes refused', async () => {
  const d = await temp();
  const vol = join(d, 'vol');
  await mkdir(vol);
  await chmod(vol, 0o2775);
  const target = join(d, 'pod', 'volume-subpaths', 'vol', 'c', '0');
  const p = await bindSubPath(vol, 'a/b', target);
  assert.equal(p, target);
  assert.equal((await stat(join(vol, 'a', 'b'))).mode & 0o7777, 0o2775);
  assert.equal((await stat(join(vol, 'a'))).mode & 0o7777, 0o2775);
  // The runtime gets the bind mount, which shows the volume's directory.
  await writeFile(join(vol, 'a', 'b', 'f'), 'in the volume');
  assert.equal(await readFile(join(target, 'f'), 'utf8'), 'in the volume');
  // A second bind at the same target replaces the first instead of stacking.
  await bindSubPath(vol, 'a/b', target);
  assert.equal(mountsUnder(await readMounts(), target).length, 1);
  await symlink('/etc', join(vol, 'escape'));
  const t2 = join(d, 'pod', 'volume-subpaths', 'vol', 'c', '1');
  await assert.rejects(bindSubPath(vol, 'escape', t2), /outside of the volume/);
  await assert.rejects(bindSubPath(vol, 'escape/x', t2), /outside of the volume/);
  await symlink('a', join(vol, 'inner'));
  await bindSubPath(vol, 'inner/b', t2);
  assert.deepEqual(await readdir(t2), ['f']);
  await assert.rejects(bindSubPath(vol, '../x', t2), /'\.\.'/);
  await assert.rejects(bindSubPath(vol, '/abs', t2), /absolute/);
  // A file is bind-mounted onto a file.
  await writeFile(join(vol, 'file'), 'x');
  const t3 = join(d, 'pod', 'volume-subpaths', 'vol', 'c', '2');
  await bindSubPath(vol, 'file', t3);
  assert.equal(await readFile(t3, 'utf8'), 'x');
  for (const t of [target, t2, t3]) await unbindAt(t);
  assert.equal(mountsUnder(await readMounts(), d).length, 0);
});

test('containerMounts: readOnly, propagation, subPathExpr, read-only volumes', async () => {
  const d = await temp();
  const pod = await temp();
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
  }, vols, env, pod);
  assert.deepEqual(mounts, [
    { containerPath: '/a', hostPath: d, readonly: false, propagation: 'private' },
    { containerPath: '/b', hostPath: d, readonly: true, propagation: 'host-to-container' },
    { containerPath: '/c', hostPath: join(pod, 'volume-subpaths', 'data', 'c', '2'), readonly: false, propagation: 'bidirectional' },
    { containerPath: '/d', hostPath: d, readonly: true, propagation: 'private' },
    { containerPath: '/e', hostPath: d, readonly: true, propagation: 'private' },
  ]);
  assert.ok((await stat(join(d, 'default', 'web'))).isDirectory());
  await assert.rejects(
    containerMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/x', subPathExpr: '$(NOPE)' }] }, vols, env, pod),
    (e: unknown) => e instanceof VolumeError && /missing value for NOPE/.test(e.message) && /container "c"/.test(e.message),
  );
  await assert.rejects(containerMounts({ name: 'c', volumeMounts: [{ name: 'gone', mountPath: '/x' }] }, vols, env, pod), VolumeError);
});
