import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPayloadPath, writeAtomic, type FilePayload } from '../../../src/volumes/atomic-writer.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'staticlet-aw-'));
  dirs.push(d);
  return join(d, 'vol');
}
const payload = (entries: Record<string, string | [string, number]>): Map<string, FilePayload> =>
  new Map(Object.entries(entries).map(([k, v]) => [k, Array.isArray(v) ? { content: Buffer.from(v[0]), mode: v[1] } : { content: Buffer.from(v), mode: 0o644 }]));

test('layout: timestamped dir, ..data link, user-visible links into ..data', async () => {
  const dir = await temp();
  assert.equal(await writeAtomic(dir, payload({ labels: 'a="b"', 'sub/name': ['web', 0o600] }), {}, new Date('2026-11-25T03:40:05Z')), true);
  const ts = await readlink(join(dir, '..data'));
  assert.match(ts, /^\.\.2026_11_25_03_40_05\./);
  assert.equal(await readlink(join(dir, 'labels')), '..data/labels');
  assert.equal(await readlink(join(dir, 'sub')), '..data/sub');
  assert.equal(await readFile(join(dir, 'labels'), 'utf8'), 'a="b"');
  assert.equal(await readFile(join(dir, 'sub', 'name'), 'utf8'), 'web');
  assert.equal((await stat(join(dir, 'sub', 'name'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'labels'))).mode & 0o777, 0o644);
  assert.equal((await stat(join(dir, ts))).mode & 0o777, 0o755);
});

test('unchanged content is not rewritten; a change swaps versions and drops removed entries', async () => {
  const dir = await temp();
  await writeAtomic(dir, payload({ labels: 'a="b"', old: 'x' }));
  const ts1 = await readlink(join(dir, '..data'));
  assert.equal(await writeAtomic(dir, payload({ labels: 'a="b"', old: 'x' })), false);
  assert.equal(await readlink(join(dir, '..data')), ts1);
  assert.equal(await writeAtomic(dir, payload({ labels: 'a="c"' })), true);
  const ts2 = await readlink(join(dir, '..data'));
  assert.notEqual(ts2, ts1);
  assert.equal(await readFile(join(dir, 'labels'), 'utf8'), 'a="c"');
  await assert.rejects(lstat(join(dir, 'old')), 'removed entry is gone');
  const entries = (await readdir(dir)).sort();
  assert.deepEqual(entries, [ts2, '..data', 'labels'].sort(), 'old version removed, no ..data_tmp left');
  assert.equal(await writeAtomic(dir, payload({ labels: ['a="c"', 0o400] })), true, 'a mode change is a change');
  assert.equal((await stat(join(dir, 'labels'))).mode & 0o777, 0o400);
});

test('fsGroup: group ownership, group read and setgid directories', async () => {
  const dir = await temp();
  await writeAtomic(dir, payload({ 'd/f': ['x', 0o600] }), { gid: 4321 });
  const f = await stat(join(dir, 'd', 'f'));
  assert.equal(f.gid, 4321);
  assert.equal(f.mode & 0o777, 0o640);
  const d = await stat(join(dir, 'd'));
  assert.equal(d.gid, 4321);
  assert.equal(d.mode & 0o2000, 0o2000);
  assert.equal(await writeAtomic(dir, payload({ 'd/f': ['x', 0o600] }), { gid: 4321 }), false);
});

test('payload paths that could escape or clash are refused', async () => {
  for (const p of ['', '/abs', 'a/../b', '..data', '..x', 'a//b', 'a/./b']) assert.ok(checkPayloadPath(p), p);
  for (const p of ['a', 'a/b', 'a..b']) assert.equal(checkPayloadPath(p), undefined, p);
  await assert.rejects(writeAtomic(await temp(), payload({ '../x': 'y' })), /invalid file path/);
});
