import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Volume } from '../../../src/api/generated/core-v1.js';
import type { NodeContext } from '../../../src/node/context.js';
import { cleanupOrphanedPodDirs, prepareVolumes, refreshVolumes, removePodDir, VolumeError } from '../../../src/volumes/index.js';
import { checkHostPathType } from '../../../src/volumes/hostpath.js';
import { readMounts, mountAt } from '../../../src/volumes/mountinfo.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'staticlet-vol-'));
  dirs.push(d);
  return d;
}
const nodeAt = (rootDir: string): NodeContext => ({ nodeName: 'n1', hostIP: '127.0.0.1', rootDir, podLogsDir: join(rootDir, 'logs'), clusterDNS: [], resolvConf: '/etc/resolv.conf', runtimeName: 'containerd' });
const podWith = (uid: string, volumes: Volume[], extra: Partial<Pod['spec']> = {}, labels: Record<string, string> = {}): Pod => ({
  metadata: { name: 'p-n1', namespace: 'default', uid, labels },
  spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '128Mi' } } }], volumes, ...extra },
});

test('hostPath type checks and creation modes', async () => {
  const d = await temp();
  assert.equal(await checkHostPathType(join(d, 'anything'), ''), undefined, 'unset: no check');
  assert.equal(await checkHostPathType(join(d, 'new', 'dir'), 'DirectoryOrCreate'), undefined);
  assert.equal((await stat(join(d, 'new', 'dir'))).mode & 0o7777, 0o755);
  assert.equal(await checkHostPathType(join(d, 'f'), 'FileOrCreate'), undefined);
  const f = await stat(join(d, 'f'));
  assert.ok(f.isFile());
  assert.equal(f.mode & 0o777, 0o644);
  assert.match((await checkHostPathType(join(d, 'no', 'f'), 'FileOrCreate'))!, /parent directory .*\/no does not exist/);
  assert.equal(await checkHostPathType(d, 'Directory'), undefined);
  assert.equal(await checkHostPathType(join(d, 'missing'), 'Directory'), `hostPath type check failed: ${join(d, 'missing')} is not a directory`);
  assert.match((await checkHostPathType(join(d, 'f'), 'Directory'))!, /is not a directory/);
  assert.match((await checkHostPathType(join(d, 'f'), 'DirectoryOrCreate'))!, /is not a directory/);
  assert.equal(await checkHostPathType(join(d, 'f'), 'File'), undefined);
  assert.match((await checkHostPathType(d, 'File'))!, /is not a file/);
  assert.match((await checkHostPathType(d, 'FileOrCreate'))!, /is not a file/);
  assert.equal(await checkHostPathType('/dev/null', 'CharDevice'), undefined);
  assert.match((await checkHostPathType(join(d, 'f'), 'CharDevice'))!, /is not a character device/);
  assert.match((await checkHostPathType('/dev/null', 'BlockDevice'))!, /is not a block device/);
  assert.match((await checkHostPathType(join(d, 'f'), 'Socket'))!, /is not a socket file/);
  const sock = join(d, 's.sock');
  const srv = createServer().listen(sock);
  await new Promise((r) => srv.once('listening', r));
  assert.equal(await checkHostPathType(sock, 'Socket'), undefined);
  srv.close();
  assert.match((await checkHostPathType(d, 'Weird'))!, /invalid volume type/);
});

test('a failed hostPath check is a VolumeError naming the volume and path', async () => {
  const root = await temp();
  await assert.rejects(prepareVolumes(podWith('u-hp', [{ name: 'certs', hostPath: { path: '/no/such/dir', type: 'Directory' } }]), nodeAt(root)), (e: unknown) =>
    e instanceof VolumeError && e.message === 'MountVolume.SetUp failed for volume "certs" : hostPath type check failed: /no/such/dir is not a directory');
});

test('emptyDir on disk: kubelet layout, 0777, set up once, content kept; fsGroup applied', async () => {
  const root = await temp();
  const node = nodeAt(root);
  const pod = podWith('u-ed', [{ name: 'data', emptyDir: {} }], { securityContext: { fsGroup: 2345 } });
  const vols = await prepareVolumes(pod, node);
  const dir = join(root, 'pods', 'u-ed', 'volumes', 'kubernetes.io~empty-dir', 'data');
  assert.equal(vols.get('data')!.hostPath, dir);
  const st = await stat(dir);
  assert.equal(st.gid, 2345);
  assert.equal(st.mode & 0o7777, 0o2777);
  await writeFile(join(dir, 'kept'), 'x', { mode: 0o600 });
  await prepareVolumes(pod, node);
  assert.equal(await readFile(join(dir, 'kept'), 'utf8'), 'x');
  assert.equal((await stat(join(dir, 'kept'))).mode & 0o777, 0o600, 'a second prepare does not re-own what containers wrote');
  await removePodDir(node, 'u-ed');
  await assert.rejects(stat(join(root, 'pods', 'u-ed')));
});

test('emptyDir medium Memory: tmpfs with the size, mounted once, unmounted on removal', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const root = await temp();
  const node = nodeAt(root);
  const pod = podWith('u-mem', [{ name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }, { name: 'p', emptyDir: { medium: 'Memory' } }]);
  const vols = await prepareVolumes(pod, node);
  const dir = vols.get('m')!.hostPath;
  const count = (mounts: Awaited<ReturnType<typeof readMounts>>, p: string) => mounts.filter((m) => m.mountPoint === p).length;
  let mounts = await readMounts();
  assert.equal(mountAt(mounts, dir)?.fsType, 'tmpfs');
  await writeFile(join(dir, 'kept'), 'x');
  await prepareVolumes(pod, node);
  mounts = await readMounts();
  assert.equal(count(mounts, dir), 1, 'not mounted twice');
  assert.equal(await readFile(join(dir, 'kept'), 'utf8'), 'x');
  const { statfs } = await import('node:fs/promises');
  const fs8 = await statfs(dir);
  assert.equal(fs8.blocks * fs8.bsize, 8 * 1024 * 1024);
  const fsPod = await statfs(vols.get('p')!.hostPath);
  assert.equal(fsPod.blocks * fsPod.bsize, 128 * 1024 * 1024, 'no sizeLimit: the pod memory limit');
  await removePodDir(node, 'u-mem');
  mounts = await readMounts();
  assert.equal(count(mounts, dir), 0);
  await assert.rejects(stat(join(root, 'pods', 'u-mem')));
});

test('downwardAPI and projected volumes: atomic layout, read-only, refreshed on label change', async () => {
  const root = await temp();
  const node = nodeAt(root);
  const volumes: Volume[] = [
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] } },
    { name: 'proj', projected: { defaultMode: 0o400, sources: [{ downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }, { downwardAPI: { items: [{ path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } }] } }] } },
  ];
  const pod = podWith('u-dw', volumes, {}, { tier: 'web' });
  const vols = await prepareVolumes(pod, node);
  const info = vols.get('info')!;
  assert.equal(info.hostPath, join(root, 'pods', 'u-dw', 'volumes', 'kubernetes.io~downward-api', 'info'));
  assert.equal(info.readOnly, true);
  assert.equal(await readFile(join(info.hostPath, 'labels'), 'utf8'), 'tier="web"');
  assert.equal(await readFile(join(info.hostPath, 'mem'), 'utf8'), '128');
  assert.equal(await readlink(join(info.hostPath, 'labels')), '..data/labels');
  const proj = vols.get('proj')!;
  assert.equal(proj.hostPath, join(root, 'pods', 'u-dw', 'volumes', 'kubernetes.io~projected', 'proj'));
  assert.equal(await readFile(join(proj.hostPath, 'tier'), 'utf8'), 'web');
  assert.equal((await stat(join(proj.hostPath, 'name'))).mode & 0o777, 0o400);
  const ts = await readlink(join(info.hostPath, '..data'));
  await refreshVolumes(pod, node);
  assert.equal(await readlink(join(info.hostPath, '..data')), ts, 'unchanged: not rewritten');
  await refreshVolumes(podWith('u-dw', volumes, {}, { tier: 'db', extra: 'a"b' }), node);
  assert.equal(await readFile(join(info.hostPath, 'labels'), 'utf8'), 'extra="a\\"b"\ntier="db"');
  assert.equal(await readFile(join(proj.hostPath, 'tier'), 'utf8'), 'db');
  await removePodDir(node, 'u-dw');
});

test('removal never descends into a hostPath and refuses odd UIDs; orphaned pod dirs are cleaned', async () => {
  const root = await temp();
  const node = nodeAt(root);
  const host = join(await temp(), 'host');
  await mkdir(host);
  await writeFile(join(host, 'precious'), 'x');
  await prepareVolumes(podWith('u-keep', [{ name: 'h', hostPath: { path: host } }, { name: 'e', emptyDir: {} }]), node);
  await prepareVolumes(podWith('u-gone', [{ name: 'e', emptyDir: {} }]), node);
  await removePodDir(node, '');
  await removePodDir(node, '..');
  assert.ok((await stat(join(root, 'pods', 'u-keep'))).isDirectory());
  assert.deepEqual(await cleanupOrphanedPodDirs(node, new Set(['u-keep'])), ['u-gone']);
  await removePodDir(node, 'u-keep');
  assert.equal(await readFile(join(host, 'precious'), 'utf8'), 'x');
});
