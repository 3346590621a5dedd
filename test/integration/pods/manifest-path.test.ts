import assert from 'node:assert/strict';
import { mkdir, open, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CriClient, managedSelector } from '../../../src/runtime/index.js';
import type { DirectoryFs } from '../../../src/sources/directory.js';
import type { ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

/** Real file system calls for the manifest path source, with failures switched on per call kind. */
function faultyFs(): { fs: Partial<DirectoryFs>; fail: { stat?: string; readdir?: string; open?: string } } {
  const fail: { stat?: string; readdir?: string; open?: string } = {};
  const injected = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: injected failure, ${syscall} '${path}'`), { code, syscall, path });
  return {
    fail,
    fs: {
      stat: (p) => (fail.stat ? Promise.reject(injected(fail.stat, 'stat', p)) : stat(p)),
      readdir: (p) => (fail.readdir ? Promise.reject(injected(fail.readdir, 'scandir', p)) : readdir(p)),
      open: (p, flags) => (fail.open ? Promise.reject(injected(fail.open, 'open', p)) : open(p, flags)),
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const KEEP = manifest(
  'keep',
  [
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    `  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "echo alive > /data/marker; exec sleep 3600"], volumeMounts: [{name: data, mountPath: /data}]}`,
    '  volumes: [{name: data, emptyDir: {}}]',
    '',
  ].join('\n'),
);

// The tests share one containerd and run in order: each supervisor is stopped before the next
// starts, as a second one would stop the first one's pods as orphans.
describe('the manifest path when it cannot be read, and as a file', () => {
  const faults = faultyFs();
  let h: SupervisorHarness;
  let env: ContainerdEnv;
  withSupervisor({ manifestPathFs: faults.fs }, (x, e) => {
    h = x;
    env = e;
  });

  let uid = '';
  let containerId = '';
  let sandboxId = '';

  test('a pod keeps its sandbox, container and emptyDir while readdir, stat and open fail', async () => {
    await h.write('keep.yaml', KEEP);
    const p = await h.waitPod('keep', (x) => x.status?.phase === 'Running');
    uid = p.metadata!.uid!;
    containerId = cs(p, 'app')!.containerID!;
    const marker = join(h.settings.rootDir, 'pods', uid, 'volumes/kubernetes.io~empty-dir/data/marker');
    await eventually(async () => (await readFile(marker, 'utf8').catch(() => '')) === 'alive\n', { what: 'emptyDir marker' });
    const before = await h.objects(uid);
    assert.equal(before.sandboxes.length, 1);
    sandboxId = before.sandboxes[0]!.id;

    // The harness rescans every second, so each phase spans several rescans and path checks.
    faults.fail.readdir = 'EACCES';
    await sleep(3000);
    delete faults.fail.readdir;
    faults.fail.stat = 'EIO';
    faults.fail.open = 'EMFILE';
    await sleep(3000);
    delete faults.fail.stat;
    delete faults.fail.open;
    await sleep(1500);

    const after = await h.objects(uid);
    assert.deepEqual(after.sandboxes.map((s) => s.id), [sandboxId], 'same sandbox');
    assert.deepEqual(after.containers.map((c) => `${c.id}:${c.state}`), [`${containerId.replace(/^containerd:\/\//, '')}:running`], 'same container, running');
    const now = h.pod('keep');
    assert.equal(now?.metadata?.uid, uid);
    assert.equal(cs(now!, 'app')?.restartCount, 0);
    assert.equal(await readFile(marker, 'utf8'), 'alive\n', 'the emptyDir was not wiped');
    assert.deepEqual(h.sup.rejections(), [], 'the read error cleared');
  });

  test('a supervisor started while the directory cannot be read leaves running pods alone, then adopts them', async () => {
    assert.ok(uid, 'needs the pod of the previous test');
    await h.stop();
    const late = faultyFs();
    late.fail.readdir = 'EACCES';
    let h2: SupervisorHarness | undefined;
    const starting = startSupervisor(env, { dir: h.dir, manifestPathFs: late.fs }).then((x) => (h2 = x));
    const runtime = new CriClient({ endpoint: env.endpoint });
    try {
      await sleep(3000);
      const running = await runtime.listContainers({ labelSelector: managedSelector() });
      assert.deepEqual(running.map((c) => `${c.id}:${c.state}`), [`${containerId.replace(/^containerd:\/\//, '')}:running`], 'not stopped as an orphan');
      delete late.fail.readdir;
      await starting;
      const p = await h2!.waitPod('keep', (x) => x.status?.phase === 'Running' && cs(x, 'app')?.ready === true);
      assert.equal(p.metadata?.uid, uid);
      assert.equal(cs(p, 'app')?.containerID, containerId, 'adopted, not restarted');
      assert.deepEqual((await h2!.objects(uid)).sandboxes.map((s) => s.id), [sandboxId]);
      await h2!.remove('keep.yaml');
      await eventually(async () => (await h2!.objects(uid)).containers.length === 0, { timeoutMs: 15_000, what: 'pod removed after recovery' });
    } finally {
      delete late.fail.readdir;
      await starting.catch(() => undefined);
      await h2?.stop();
      runtime.close();
    }
  });

  test('a regular file as --pod-manifest-path runs its pod and follows an edit', async () => {
    const dir = join(env.dir, 'single-file');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'web.yaml');
    const web = (msg: string) => manifest('web', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "echo ${msg}; exec sleep 3600"]}\n`);
    await writeFile(file, web('one'));
    const h3 = await startSupervisor(env, { dir, settings: { staticPodPath: file } });
    try {
      const first = await h3.waitPod('web', (x) => x.status?.phase === 'Running');
      assert.equal(first.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
      await writeFile(file, web('two'));
      const second = await h3.waitPod('web', (x) => x.metadata?.uid !== first.metadata?.uid && x.status?.phase === 'Running');
      await eventually(async () => (await h3.objects(first.metadata!.uid!)).sandboxes.length === 0, { timeoutMs: 15_000, what: 'the old pod gone' });
      const uid2 = second.metadata!.uid!;
      await writeFile(file, '');
      // An empty file is a rejected manifest: the pod it last defined keeps running.
      await sleep(2000);
      assert.equal(h3.pod('web')?.metadata?.uid, uid2);
      assert.match(JSON.stringify(h3.sup.rejections()), /web\.yaml/);
      // The file gone is the path missing: its pod goes.
      await unlink(file);
      await eventually(async () => (await h3.objects(uid2)).sandboxes.length === 0, { timeoutMs: 15_000, what: 'the pod removed with its file' });
    } finally {
      await h3.stop();
    }
  });
});
