import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBeneath, openTrustedDir, readRegularFile, removeTree, using } from '../../../src/safepath/index.js';
import { mountTmpfs, unmount } from '../../../src/volumes/mountinfo.js';
import { secureStateDirs } from '../../../src/volumes/paths.js';
import { tempDirsWithMounts } from '../../helpers/temp-mounts.js';

/** Temp dirs; what is mounted in them comes off afterwards. */
const temp = tempDirsWithMounts('staticlet-safepath-');

test('removeTree: deep trees with bounded descriptors, links removed not followed, missing is fine', async () => {
  const d = await temp();
  const outside = join(d, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'keep'), 'x');
  let cur = join(d, 'tree');
  for (let i = 0; i < 300; i++) {
    cur = join(cur, 'd');
    if (i % 50 === 0) await mkdir(cur, { recursive: true });
  }
  await mkdir(cur, { recursive: true });
  await writeFile(join(cur, 'leaf'), 'x');
  await symlink(outside, join(d, 'tree', 'link'));
  await symlink(join(outside, 'keep'), join(d, 'tree', 'd', 'file-link'));
  await removeTree(join(d, 'tree'));
  await assert.rejects(lstat(join(d, 'tree')), { code: 'ENOENT' });
  assert.deepEqual(await readdir(outside), ['keep']);
  await removeTree(join(d, 'tree'));
});

test('removeTree refuses to descend into another filesystem mounted below', async () => {
  const d = await temp();
  const mnt = join(d, 'tree', 'mnt');
  await mkdir(mnt, { recursive: true });
  await mountTmpfs(mnt, 1n << 20n);
  await writeFile(join(mnt, 'on-tmpfs'), 'x');
  await assert.rejects(removeTree(join(d, 'tree')), /another filesystem is mounted there/);
  assert.deepEqual(await readdir(mnt), ['on-tmpfs']);
  await unmount(mnt);
  await removeTree(join(d, 'tree'));
});

test('openBeneath creates with the exact mode and refuses symlinks anywhere on the way', async () => {
  const d = await temp();
  await mkdir(join(d, 'real'));
  await symlink('real', join(d, 'link'));
  await using(await openTrustedDir(d), async (root) => {
    await (await openBeneath(root, 'a/b/c', 0o2775)).close();
    assert.equal((await stat(join(d, 'a', 'b', 'c'))).mode & 0o7777, 0o2775);
    await assert.rejects(openBeneath(root, 'link/x', 0o755), /symlink/);
    await assert.rejects(openBeneath(root, 'link'), /symlink/);
    await assert.rejects(openBeneath(root, '../x'), /unsafe path component/);
  });
  await assert.rejects(lstat(join(d, 'real', 'x')), { code: 'ENOENT' });
});

test('readRegularFile: bounded, never through a link, nothing for FIFOs and directories', async () => {
  const d = await temp();
  await writeFile(join(d, 'f'), 'abcdefgh');
  await symlink(join(d, 'f'), join(d, 'l'));
  assert.equal((await readRegularFile(join(d, 'f'), 4))?.data.toString(), 'abcd');
  assert.equal((await readRegularFile(join(d, 'f'), 4, -3))?.data.toString(), 'fgh');
  assert.equal(await readRegularFile(join(d, 'l'), 4), undefined);
  assert.equal(await readRegularFile(d, 4), undefined);
});

test('secureStateDirs makes the root dir, pods/ and pod state directories 0750, leaving volumes inside alone', async () => {
  const d = await temp();
  const root = join(d, 'root');
  const vol = join(root, 'pods', 'uid-1', 'volumes', 'kubernetes.io~empty-dir', 'data');
  await mkdir(vol, { recursive: true });
  for (const p of [root, join(root, 'pods'), join(root, 'pods', 'uid-1'), join(root, 'pods', 'uid-1', 'volumes')]) await chmod(p, 0o755);
  await chmod(vol, 0o777);
  const repaired = await secureStateDirs(root);
  assert.deepEqual(repaired.sort(), [root, join(root, 'pods'), join(root, 'pods', 'uid-1'), join(root, 'pods', 'uid-1', 'volumes')].sort());
  for (const p of repaired) assert.equal((await stat(p)).mode & 0o777, 0o750, p);
  assert.equal((await stat(vol)).mode & 0o777, 0o777);
  assert.deepEqual(await secureStateDirs(root), [], 'nothing to repair the second time');
  const fresh = join(d, 'fresh');
  await secureStateDirs(fresh);
  assert.equal((await stat(join(fresh, 'pods'))).mode & 0o777, 0o750);
});
