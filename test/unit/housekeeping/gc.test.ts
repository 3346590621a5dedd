import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageGC, sandboxImageOf, type ImageGCDeps } from '../../../src/housekeeping/image-gc.js';
import { HousekeepingScheduler, JobError } from '../../../src/housekeeping/scheduler.js';
import { collectContainers } from '../../../src/housekeeping/container-gc.js';
import type { Container, ContainerStatus, Image, PodSandbox } from '../../../src/runtime/index.js';
import { createLogger } from '../../../src/logging/logger.js';

const img = (id: string, size: number, tags: string[] = [`x/${id}:1`], pinned = false): Image => ({ id, repoTags: tags, repoDigests: [], size, username: '', pinned });

function fakeImages(images: Image[], containers: Array<Pick<Container, 'image' | 'imageRef'>>, fs: { available: bigint; capacity: bigint }, sandboxImage = 'x/pause:1'): { runtime: ImageGCDeps['runtime']; removed: string[]; fs: { available: bigint; capacity: bigint } } {
  const removed: string[] = [];
  const runtime: ImageGCDeps['runtime'] = {
    listImages: async () => images.filter((i) => !removed.includes(i.id)),
    removeImage: async (id: string) => {
      removed.push(id);
      const i = images.find((x) => x.id === id)!;
      fs.available += BigInt(i.size);
    },
    imageFsInfo: async () => ({ imageFilesystems: [{ timestamp: 0, mountpoint: '/images' }], containerFilesystems: [] }),
    listContainers: async () => containers as Container[],
    status: async () => ({ conditions: [], info: { config: JSON.stringify({ sandboxImage }) } }),
  };
  return { runtime, removed, fs };
}

test('image GC: nothing below the high threshold; above it, LRU first down to the low threshold, sparing images in use, the sandbox image, pinned and too-new ones', async () => {
  let now = 1_000_000;
  const images = [img('old', 100), img('older', 100), img('used', 100), img('pause', 10, ['x/pause:1']), img('pinned', 100, ['x/p:1'], true), img('newest', 100)];
  const f = fakeImages(images, [{ image: 'x/used:1', imageRef: 'used' }], { available: 500n, capacity: 1000n });
  const gc = new ImageGC({ runtime: f.runtime, policy: { highThresholdPercent: 60, lowThresholdPercent: 30, minimumAgeMs: 60_000, maximumAgeMs: 0 }, now: () => now, fs: async () => ({ bytes: { ...f.fs }, inodes: { available: 1n, capacity: 1n } }) });
  // 50 % used: below 60 %.
  const out = await gc.collect();
  assert.equal(f.removed.length, 0);
  assert.match(out.message ?? '', /50% used, below the 60% high threshold/);
  // 'older' is seen first, then 'old' and 'newest' appear later; 'older' was used less recently.
  f.fs.available = 300n;
  images.push(img('late', 100));
  now += 61_000;
  await gc.detect();
  now += 1_000;
  // 70 % used: to reach 30 %, 700 − 300 = 400 bytes must go; only old, older (and late: too new) qualify.
  await assert.rejects(gc.collect(), (err: unknown) => err instanceof JobError && /Attempted to free 400 bytes, but only found 300 bytes eligible/.test(err.message) && err.outcome.freedBytes === 300);
  assert.deepEqual(f.removed.slice(0, 3).sort(), ['newest', 'old', 'older']);
  assert.ok(!f.removed.includes('used') && !f.removed.includes('pause') && !f.removed.includes('pinned') && !f.removed.includes('late'));
});

test('image GC removes least recently used first and stops once enough is freed', async () => {
  let now = 0;
  const images = [img('a', 100), img('b', 100), img('c', 100)];
  const containers: Array<Pick<Container, 'image' | 'imageRef'>> = [{ image: 'x/a:1', imageRef: 'a' }, { image: 'x/c:1', imageRef: 'c' }];
  const f = fakeImages(images, containers, { available: 100n, capacity: 1000n });
  const order: string[] = [];
  const gc = new ImageGC({ runtime: f.runtime, policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 0, maximumAgeMs: 0 }, now: () => now, fs: async () => ({ bytes: { ...f.fs }, inodes: { available: 1n, capacity: 1n } }), onRemoved: (i) => order.push(i.id) });
  await gc.detect(); // t=0: a and c in use, b unused since 0
  now = 10;
  containers.splice(0, 1); // a's container goes: a was last used at 0... then c at 10
  await gc.detect();
  now = 20;
  containers.splice(0, 1);
  await gc.detect();
  // 90 % used; the low threshold wants 200 available: 100 bytes, one image: b (used at 0, first detected at 0) ... a (used at 0) ties on lastUsed.
  await gc.collect();
  assert.equal(order.length, 1);
  assert.ok(['a', 'b'].includes(order[0]!));
  // imageMaximumGCAge removes what has been unused that long, whatever the usage.
  const gc2 = new ImageGC({ runtime: f.runtime, policy: { highThresholdPercent: 100, lowThresholdPercent: 99, minimumAgeMs: 0, maximumAgeMs: 15 }, now: () => now, fs: async () => ({ bytes: { available: 999n, capacity: 1000n }, inodes: { available: 1n, capacity: 1n } }), onRemoved: (i) => order.push(i.id) });
  now = 0;
  await gc2.detect();
  now = 100;
  await gc2.collect();
  assert.equal(order.length, 3);
  assert.equal(order.includes('c'), true);
});

test('disk pressure: every unused image past the minimum age, thresholds aside', async () => {
  const f = fakeImages([img('a', 1), img('b', 1), img('pause', 1, ['x/pause:1'])], [{ image: 'x/a:1', imageRef: 'a' }], { available: 999n, capacity: 1000n });
  const gc = new ImageGC({ runtime: f.runtime, policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 0, maximumAgeMs: 0 } });
  const out = await gc.collect({ all: true });
  assert.deepEqual(f.removed, ['b']);
  assert.equal(out.removed, 1);
});

test('the sandbox image from containerd 1.x and 2.x status', () => {
  assert.equal(sandboxImageOf({ config: '{"sandboxImage":"registry.k8s.io/pause:3.10"}' }), 'registry.k8s.io/pause:3.10');
  assert.equal(sandboxImageOf({ config: '{"pinnedImages":{"sandbox":"p:1"}}' }), 'p:1');
  assert.equal(sandboxImageOf({ config: 'nope' }), undefined);
});

test('scheduler: a trigger while a run is in flight joins it; results, durations and failures are recorded', async () => {
  let t = 0;
  const sched = new HousekeepingScheduler(createLogger({ level: 'silent' }), () => t);
  let runs = 0;
  let release!: () => void;
  sched.add({
    name: 'slow',
    schedule: '0 0 1 1 *',
    run: async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
      t += 25;
      return { freedBytes: 10, removed: 2, message: 'did it' };
    },
  });
  sched.add({ name: 'bad', schedule: '0 0 1 1 *', run: async () => Promise.reject(new JobError('fell short', { freedBytes: 5 })) });
  sched.start();
  const a = sched.trigger('slow', 'test');
  const b = sched.trigger('slow', 'again');
  await new Promise((r) => setImmediate(r));
  assert.equal(sched.status()[0]!.running, true);
  release();
  const [sa, sb] = await Promise.all([a, b]);
  assert.equal(runs, 1);
  assert.deepEqual([sa.runs, sa.lastResult, sa.lastDurationMs, sa.lastFreedBytes, sa.lastRemoved, sa.lastMessage, sa.lastTrigger], [1, 'ok', 25, 10, 2, 'did it', 'test']);
  assert.equal(sb.runs, 1);
  const bad = await sched.trigger('bad', 'test');
  assert.deepEqual([bad.lastResult, bad.failures, bad.lastError, bad.lastFreedBytes, bad.totalFreedBytes], ['failed', 1, 'fell short', 5, 5]);
  assert.ok(sched.status()[0]!.nextRun);
  await sched.stop();
  assert.throws(() => sched.add({ name: 'x', schedule: 'bogus', run: async () => ({}) }), /invalid cron expression/);
});

test('container GC removes dead instances beyond the policy and empty old sandboxes, never a running one', async () => {
  const labels = (uid: string, name: string) => ({ 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': name, 'io.staticlet.managed-by': 'staticlet' });
  const mk = (id: string, created: number, state: ContainerStatus['state'], started = created, restart = 0): ContainerStatus & { podSandboxId: string } => ({
    id, podSandboxId: 's2', metadata: { name: 'app', attempt: restart }, state, createdAt: created, startedAt: started, finishedAt: state === 'running' ? 0 : created + 1, exitCode: 1, image: 'i', imageRef: 'i', reason: '', message: '', labels: labels('u1', 'app'),
    annotations: { 'io.kubernetes.container.restartCount': String(restart) }, mounts: [], logPath: '',
  });
  const list = [mk('c4', 40, 'running', 40, 3), mk('c3', 30, 'exited', 30, 2), mk('c2', 20, 'exited', 20, 1), mk('c1', 10, 'exited', 10, 0)];
  const sandboxes: PodSandbox[] = [
    { id: 's1', metadata: { name: 'p', uid: 'u1', namespace: 'd', attempt: 0 }, state: 'notready', createdAt: 1, labels: labels('u1', ''), annotations: {}, runtimeHandler: '' },
    { id: 's2', metadata: { name: 'p', uid: 'u1', namespace: 'd', attempt: 1 }, state: 'ready', createdAt: 2, labels: labels('u1', ''), annotations: {}, runtimeHandler: '' },
  ];
  const removed: string[] = [];
  const out = await collectContainers({
    runtime: {
      listContainers: async () => list.filter((c) => !removed.includes(c.id)) as unknown as Container[],
      containerStatus: async (id) => list.find((c) => c.id === id)!,
      containerStats: async (id) => ({ id, name: 'app', labels: {}, annotations: {}, timestamp: 0, writableLayerUsedBytes: 7 }),
      removeContainer: async (id) => void removed.push(id),
      listPodSandboxes: async () => sandboxes,
      removePodSandbox: async (id) => void removed.push(id),
    },
    policy: { minAgeMs: 0 },
    now: () => 1000,
  });
  assert.deepEqual(removed, ['c2', 'c1', 's1']);
  assert.equal(out.freedBytes, 14);
  assert.equal(out.removed, 3);
});
