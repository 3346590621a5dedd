/**
 * Root's file operations against a racer running as `nobody` that swaps a directory for a
 * symlink to a victim outside, over and over (the CVE-2017-1002101 / CVE-2021-25741 class).
 * Each test runs a bounded number of rounds (a few seconds) and checks that nothing outside
 * was deleted, created, chmod-ed, re-grouped or mounted. Needs root, like the supervisor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removePodDir } from '../../../src/volumes/prepare.js';
import { bindSubPath, unbindAt } from '../../../src/volumes/subpath.js';
import { checkHostPathType } from '../../../src/volumes/hostpath.js';
import { setVolumeOwnership } from '../../../src/volumes/ownership.js';
import { mountsUnder, readMounts } from '../../../src/volumes/mountinfo.js';
import { tempDirsWithMounts } from '../../helpers/temp-mounts.js';
import { startRacer } from '../../helpers/racer.js';

/** Temp dirs `nobody` can traverse (mkdtemp makes 0700). */
const temp = tempDirsWithMounts('staticlet-race-', 0o755);

/** A root-owned directory with files, outside everything the racer may touch. */
async function victim(base: string, files = 30, mode = 0o600): Promise<string> {
  const v = join(base, 'victim');
  await mkdir(v, { mode: 0o755 });
  for (let i = 0; i < files; i++) await writeFile(join(v, `f${i}`), 'precious', { mode });
  return v;
}

const ROUNDS_MS = Number(process.env.STATICLET_RACE_MS ?? 4000);

test('pod removal never follows a directory swapped for a symlink', async () => {
  const base = await temp();
  const target = await victim(base);
  const node = { rootDir: join(base, 'root') };
  const uid = 'pod-1';
  // A disk emptyDir as a container sees it: writable by any user inside.
  const volume = join(node.rootDir, 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'data');
  const racer = await startRacer(volume, 'sub', target);
  let rounds = 0;
  try {
    for (const end = Date.now() + ROUNDS_MS; Date.now() < end; rounds++) {
      await mkdir(volume, { recursive: true, mode: 0o755 });
      await chmod(volume, 0o777);
      // Filled under a name the racer leaves alone, then moved in: the test's own writes must
      // not go through the racer's link.
      const prep = join(volume, 'prep');
      await mkdir(prep, { mode: 0o777 });
      for (let i = 0; i < 30; i++) await writeFile(join(prep, `g${i}`), 'x');
      await rename(prep, join(volume, 'sub')).catch(() => undefined);
      await removePodDir(node, uid);
      await assert.rejects(lstat(join(node.rootDir, 'pods', uid)), { code: 'ENOENT' });
    }
  } finally {
    const swaps = await racer.stop();
    process.stdout.write(`# removal: ${rounds} rounds, ${swaps} swaps\n`);
  }
  assert.deepEqual((await readdir(target)).sort(), Array.from({ length: 30 }, (_, i) => `f${i}`).sort(), 'files outside the pod directory were deleted');
});

test('subPath setup never mounts or creates anything outside the volume', async () => {
  const base = await temp();
  const outside = await victim(base, 0);
  await mkdir(join(outside, 'b'));
  await writeFile(join(outside, 'b', 'VICTIM'), '');
  const outsideB = await stat(join(outside, 'b'));
  const vol = join(base, 'vol');
  await mkdir(join(vol, 'a', 'b'), { recursive: true });
  await chmod(vol, 0o777);
  await chmod(join(vol, 'a'), 0o777);
  const racer = await startRacer(vol, 'a', outside);
  let attempts = 0;
  let mounted = 0;
  try {
    for (const end = Date.now() + ROUNDS_MS; Date.now() < end; attempts++) {
      // Existing and missing paths: the first may mount the wrong thing, the second create outside.
      const sub = attempts % 2 === 0 ? 'a/b' : `a/n${attempts}`;
      const t = join(base, 'pod', 'volume-subpaths', 'v', 'c', String(attempts % 4));
      try {
        await bindSubPath(vol, sub, t);
      } catch {
        continue; // refused: the racer was caught
      }
      mounted++;
      const st = await stat(t);
      assert.ok(!(st.ino === outsideB.ino && st.dev === outsideB.dev), `attempt ${attempts}: a path outside the volume was mounted`);
      await unbindAt(t);
    }
  } finally {
    const swaps = await racer.stop();
    process.stdout.write(`# subPath: ${attempts} attempts, ${mounted} mounted, ${swaps} swaps\n`);
  }
  assert.deepEqual(await readdir(outside), ['b'], 'directories were created outside the volume');
  assert.equal(mountsUnder(await readMounts(), base).length, 0);
  assert.ok(mounted > 0, 'no attempt succeeded at all');
});

test('hostPath FileOrCreate never chmods what a symlink swapped in points to', async () => {
  const base = await temp();
  const outside = await victim(base, 1, 0o600);
  const dir = join(base, 'shared');
  await mkdir(dir, { mode: 0o777 });
  await chmod(dir, 0o777);
  const racer = await startRacer(dir, 'f', join(outside, 'f0'));
  let rounds = 0;
  try {
    for (const end = Date.now() + ROUNDS_MS; Date.now() < end; rounds++) {
      await unlink(join(dir, 'f')).catch(() => undefined);
      await checkHostPathType(join(dir, 'f'), 'FileOrCreate');
    }
  } finally {
    const swaps = await racer.stop();
    process.stdout.write(`# FileOrCreate: ${rounds} rounds, ${swaps} swaps\n`);
  }
  assert.equal((await stat(join(outside, 'f0'))).mode & 0o7777, 0o600, 'a file outside was chmod-ed');
});

test('the fsGroup walk never changes what a symlink swapped in points to', async () => {
  const base = await temp();
  const outside = await victim(base, 10, 0o600);
  const vol = join(base, 'vol');
  await mkdir(join(vol, 'sub'), { recursive: true });
  await chmod(vol, 0o777);
  await chmod(join(vol, 'sub'), 0o777);
  for (let i = 0; i < 10; i++) await writeFile(join(vol, 'sub', `g${i}`), 'x');
  const racer = await startRacer(vol, 'sub', outside);
  let rounds = 0;
  try {
    for (const end = Date.now() + ROUNDS_MS; Date.now() < end; rounds++) {
      await setVolumeOwnership(vol, 4321, false, 'Always').catch(() => undefined);
    }
  } finally {
    const swaps = await racer.stop();
    process.stdout.write(`# fsGroup: ${rounds} rounds, ${swaps} swaps\n`);
  }
  const st = await stat(outside);
  assert.equal(st.mode & 0o7777, 0o755, 'the directory outside was chmod-ed');
  assert.equal(st.gid, 0, 'the directory outside was re-grouped');
  for (const f of await readdir(outside)) {
    const fs = await stat(join(outside, f));
    assert.equal(fs.gid, 0, `${f} outside was re-grouped`);
    assert.equal(fs.mode & 0o7777, 0o600, `${f} outside was chmod-ed`);
  }
});
