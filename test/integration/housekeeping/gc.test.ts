/**
 * Housekeeping against a real containerd: image GC with the image filesystem made "full" by
 * its thresholds, container GC's policy on real instances, a disk-pressure threshold that can
 * only be met, and every job in `staticlet node`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { showNode } from '../../../src/cli/commands/node.js';
import { collectContainers } from '../../../src/housekeeping/container-gc.js';
import { JOB_IMAGE_GC, type Housekeeping } from '../../../src/housekeeping/index.js';
import { parseThresholds } from '../../../src/housekeeping/thresholds.js';
import { createLogger } from '../../../src/logging/logger.js';
import { CONTAINER_RESTART_COUNT_ANNOTATION, CriClient } from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { containerConfig, sandboxConfig } from '../runtime/fixtures.js';

const run = promisify(execFile);
const YEARLY = '0 0 1 1 *';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * Imports a copy of the busybox test image under `ref` whose config differs (one env var), so
 * that it is an image of its own (its own ID) sharing busybox's layer: runnable, and removable
 * on its own.
 */
async function importVariant(env: ContainerdEnv, ref: string): Promise<void> {
  const work = await mkdtemp(join(env.dir, 'img-'));
  try {
    await run('tar', ['-C', work, '-xf', join(env.dir, 'images/busybox.tar')]);
    const blob = (d: string) => join(work, 'blobs/sha256', d.replace(/^sha256:/, ''));
    const index = JSON.parse(await readFile(join(work, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; size: number; annotations: Record<string, string> }> };
    const m = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string; size: number } };
    const config = JSON.parse(await readFile(blob(m.config.digest), 'utf8')) as { config: { Env: string[] } };
    config.config.Env = [...config.config.Env, `VARIANT=${ref}`];
    const configText = JSON.stringify(config);
    await writeFile(blob(sha(configText)), configText);
    m.config = { ...m.config, digest: `sha256:${sha(configText)}`, size: Buffer.byteLength(configText) };
    const manifestText = JSON.stringify(m);
    await writeFile(blob(sha(manifestText)), manifestText);
    index.manifests[0] = { ...index.manifests[0]!, digest: `sha256:${sha(manifestText)}`, size: Buffer.byteLength(manifestText), annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':').pop()! } };
    await writeFile(join(work, 'index.json'), JSON.stringify(index));
    const tar = `${work}.tar`;
    await run('tar', ['-C', work, '-cf', tar, '.']);
    await run('ctr', ['-a', env.socket, '-n', 'k8s.io', 'images', 'import', tar]);
    await rm(tar, { force: true });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }), text: () => out };
}

const sleepPod = (name: string, image: string) => manifest(name, `  containers:\n    - name: main\n      image: ${image}\n      command: ["sleep", "3600"]\n  terminationGracePeriodSeconds: 0\n`);

describe('housekeeping against containerd', () => {
  let env: ContainerdEnv;
  before(async () => {
    env = await startContainerd();
  });
  after(async () => {
    await env?.down();
  });

  test('image GC: with the image filesystem "full", unused images go least recently used first; in use and sandbox images stay; every job shows in staticlet node', async () => {
    for (const ref of ['staticlet.local/gc-a:1', 'staticlet.local/gc-b:1', 'staticlet.local/gc-c:1']) await importVariant(env, ref);
    const logs = sink();
    let h: SupervisorHarness | undefined;
    try {
      h = await startSupervisor(env, {
        logger: createLogger({ format: 'json', destination: logs.stream, verbosity: 0 }),
        settings: {
          // 1 % used counts as full, and freeing goes on towards 0 %: every eligible image goes.
          imageGC: { highThresholdPercent: 1, lowThresholdPercent: 0, minimumAgeMs: 1_000, maximumAgeMs: 0 },
          evictionThresholds: [],
          // Runs only when the test asks: the order of use below must be seen first.
          housekeepingSchedules: { 'image-gc': YEARLY, 'container-gc': YEARLY },
        },
      });
      const hk = await eventually(() => h!.sup.housekeepingInstance, { timeoutMs: 20_000, what: 'housekeeping' });
      await h.write('web.yaml', sleepPod('web', BUSYBOX));
      await h.waitPod('web', (p) => p.status?.phase === 'Running');
      // c is never used; a is used, then b: least recently used first is c, a, b.
      await hk.images.detect();
      for (const name of ['a', 'b']) {
        await new Promise((r) => setTimeout(r, 50));
        await h.write(`${name}.yaml`, sleepPod(`user-${name}`, `staticlet.local/gc-${name}:1`));
        await h.waitPod(`user-${name}`, (p) => p.status?.phase === 'Running');
        await hk.images.detect();
        await h.remove(`${name}.yaml`);
        await eventually(async () => !h!.pod(`user-${name}`) && (await h!.runtime.listContainers()).every((c) => !c.image.includes(`gc-${name}`)), { timeoutMs: 20_000, what: `user-${name} gone` });
      }
      await new Promise((r) => setTimeout(r, 1_100));
      const st = await hk.scheduler.trigger(JOB_IMAGE_GC, 'test');
      // The whole disk cannot be freed: the kubelet's failure, after removing what it could.
      assert.equal(st.lastResult, 'failed', JSON.stringify(st));
      assert.match(st.lastError ?? '', /Failed to garbage collect required amount of images/);
      assert.equal(st.lastRemoved, 3);
      const removedOrder = logs
        .text()
        .split('\n')
        .filter((l) => l.includes('image garbage-collected'))
        .map((l) => (JSON.parse(l) as { image: string }).image);
      assert.deepEqual(removedOrder, ['staticlet.local/gc-c:1', 'staticlet.local/gc-a:1', 'staticlet.local/gc-b:1']);
      const left = (await h.runtime.listImages()).flatMap((i) => i.repoTags);
      assert.ok(left.includes(BUSYBOX), `busybox (in use) stays: ${left.join(', ')}`);
      assert.ok(left.includes(env.pauseImage), `the sandbox image stays: ${left.join(', ')}`);
      assert.equal(h.pod('web')?.status?.phase, 'Running');

      // Every job is in `staticlet node`, with its last run.
      await hk.scheduler.trigger('container-gc', 'test');
      await hk.scheduler.trigger('orphaned-pod-dirs', 'test');
      await hk.scheduler.trigger('pod-log-retention', 'test');
      const out = sink();
      assert.equal(await showNode({ statusSocket: h.settings.statusSocket }, { stdout: out.stream, stderr: out.stream }), 0);
      const text = out.text();
      assert.match(text, /Housekeeping:/);
      for (const job of ['container-gc', 'image-gc', 'orphaned-pod-dirs', 'pod-log-retention', 'pressure']) assert.match(text, new RegExp(`\\n\\s+${job}\\s+\\S`), job);
      assert.match(text, /image-gc\s+0 0 1 1 \*\s+\d+\w* ago \(test\)\s+\d+ms\s+failed\s+[\d.]+\w*\s+3\s+1 \(1\)\s+Failed to garbage collect/);
      assert.match(text, /nodefs\.available\s+\S+\s+\S+/);
    } finally {
      await h?.stop();
    }
  });

  test('container GC on real instances: dead ones beyond the newest and the one before it go, as do empty old sandboxes', async () => {
    const client = new CriClient({ endpoint: env.endpoint });
    try {
      const old = sandboxConfig(env.dir, 'gcpod', true);
      const oldId = await client.runPodSandbox(old);
      await client.stopPodSandbox(oldId);
      const sb = { ...old, metadata: { ...old.metadata, attempt: 1 } };
      const podId = await client.runPodSandbox(sb);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const cfg = containerConfig(sb, 'app', env.busyboxImage, ['sh', '-c', 'exit 1']);
        const id = await client.createContainer(podId, { ...cfg, metadata: { name: 'app', attempt: i }, annotations: { [CONTAINER_RESTART_COUNT_ANNOTATION]: String(i) }, logPath: `app/${i}.log` }, sb);
        await client.startContainer(id);
        await eventually(async () => (await client.containerStatus(id)).state === 'exited', { timeoutMs: 10_000, what: 'exit' });
        ids.push(id);
      }
      const out = await collectContainers({ runtime: client, policy: { minAgeMs: 0 } });
      const left = (await client.listContainers({ podSandboxId: podId })).map((c) => c.id).sort();
      assert.deepEqual(left, [ids[2]!, ids[3]!].sort());
      assert.equal(out.removed, 3, out.message);
      assert.deepEqual((await client.listPodSandboxes()).map((s) => s.id).filter((id) => id === oldId), []);
      await client.stopPodSandbox(podId);
      await client.removePodSandbox(podId);
    } finally {
      client.close();
    }
  });

  test('an evictionHard threshold that is always met: DiskPressure True in staticlet node, GC triggered, pods keep running', async () => {
    let h: SupervisorHarness | undefined;
    try {
      h = await startSupervisor(env, {
        settings: {
          evictionThresholds: parseThresholds({ evictionHard: { 'nodefs.available': '99%' } }),
          // Reclaim under disk pressure removes every unused image past this age: busybox must
          // survive until the pod uses it, as the kubelet's 2 min default protects a fresh pull.
          imageGC: { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 600_000, maximumAgeMs: 0 },
          housekeepingSchedules: { pressure: '* * * * * *', 'image-gc': YEARLY, 'container-gc': YEARLY },
        },
      });
      await h.write('web.yaml', sleepPod('web', BUSYBOX));
      await h.waitPod('web', (p) => p.status?.phase === 'Running');
      const hk: Housekeeping = await eventually(() => h!.sup.housekeepingInstance, { what: 'housekeeping' });
      await eventually(() => hk.pressure().disk, { timeoutMs: 10_000, what: 'disk pressure' });
      const jobs = await eventually(() => {
        const s = hk.view().jobs;
        return s.find((j) => j.name === 'image-gc')?.lastTrigger === 'disk pressure' && s.find((j) => j.name === 'container-gc')?.lastTrigger === 'disk pressure' ? s : undefined;
      }, { timeoutMs: 10_000, what: 'reclaim' });
      assert.ok(jobs.every((j) => j.name === 'pressure' || j.name.endsWith('-gc') ? j.runs > 0 : true));
      const out = sink();
      assert.equal(await showNode({ statusSocket: h.settings.statusSocket }, { stdout: out.stream, stderr: out.stream }), 0);
      const text = out.text();
      assert.match(text, /DiskPressure\s+True\s+.*KubeletHasDiskPressure\s+kubelet has disk pressure/);
      assert.match(text, /MemoryPressure\s+False\s+.*KubeletHasSufficientMemory/);
      assert.match(text, /Thresholds Met:\s+nodefs\.available<99%/);
      assert.match(text, /static pods are critical and are never evicted/);
      const json = sink();
      await showNode({ statusSocket: h.settings.statusSocket, output: 'json' }, { stdout: json.stream, stderr: json.stream });
      const node = JSON.parse(json.text()) as { metadata: { name: string }; status: { conditions: Array<{ type: string; status: string }> } };
      assert.equal(node.metadata.name, NODE);
      assert.equal(node.status.conditions.find((c) => c.type === 'DiskPressure')?.status, 'True');
      assert.equal(h.pod('web')?.status?.phase, 'Running');
    } finally {
      await h?.stop();
    }
  });
});
