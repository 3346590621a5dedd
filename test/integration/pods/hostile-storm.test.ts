/**
 * A running pod with a readiness probe while the manifest directory is stormed with hostile
 * files: the status socket keeps answering, the probe keeps passing, and memory comes back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { fetchStatus } from '../../../src/cli/status-client.js';
import { aliasBomb, deepJson, deepYaml, manyDocuments, maxLoopDelay, retainedBytes, selfAlias } from '../../helpers/hostile.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, condition, cs, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
const STORM_MS = 16_000;

const WEB = manifest(
  'web',
  [
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    `  - name: app`,
    `    image: ${BUSYBOX}`,
    '    command: [sh, -c, "touch /tmp/ready; exec sleep 3600"]',
    '    readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}',
    '',
  ].join('\n'),
);

describe('a storm of hostile manifests', () => {
  let h: SupervisorHarness;
  withSupervisor({}, (x) => {
    h = x;
  });

  test('leaves a running pod ready, the status socket answering and memory where it was', async (t) => {
    await h.write('web.yaml', WEB);
    const ready = await h.waitPod('web', (p) => cs(p, 'app')?.ready === true, 60_000);
    const uid = ready.metadata!.uid!;
    const containerId = cs(ready, 'app')!.containerID;
    const dir = h.manifests;
    const socket = h.settings.statusSocket;

    // Whole-file writes go through a rename so that only the slow writer below is ever half-written.
    const put = async (name: string, data: string | Buffer) => {
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, data);
      await rename(tmp, join(dir, name));
    };
    const fixed = [manyDocuments(), deepJson(), deepYaml(), selfAlias(), aliasBomb()];
    const big = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  labels:\n${`    k${'x'.repeat(1000)}: v\n`.repeat(10_000)}`;
    const storm = async (i: number) => {
      await put('bad.yaml', `a: b: c ${i}\n  - [\n`);
      await put('bad.json', `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x${i}"`);
      await put('garbage.yaml', randomBytes(64 * 1024));
      await put('ten-mb.yaml', big);
      // A new comment each round: new bytes, so each file is read and parsed again.
      for (const f of fixed) await put(f.name, `${f.text}\n# ${i}\n`);
    };
    await symlink('loop-b.yaml', join(dir, 'loop-a.yaml'));
    await symlink('loop-a.yaml', join(dir, 'loop-b.yaml'));
    // A warm-up round, so the baseline includes what any first parse compiles or caches.
    await storm(0);
    await eventually(() => h.sup.rejections().length >= 8, { timeoutMs: 10_000, what: 'warm-up rejections' });
    await sleep(2000);
    const start = retainedBytes();
    const rssStart = process.memoryUsage().rss;

    let rssPeak = rssStart;
    let slowest = 0;
    let answers = 0;
    const problems: string[] = [];
    let running = true;
    const poller = (async () => {
      while (running) {
        const began = performance.now();
        try {
          const list = await fetchStatus<{ items: Pod[] }>(socket, '/pods', 5000);
          const web = list.items.find((p) => p.metadata?.uid === uid);
          const c = web && cs(web, 'app');
          if (!c?.ready || c.restartCount !== 0 || c.containerID !== containerId || condition(web!, 'Ready') !== 'True') problems.push(`not ready or restarted: ${JSON.stringify(c)}`);
        } catch (err) {
          problems.push(String(err));
        }
        const took = performance.now() - began;
        answers++;
        slowest = Math.max(slowest, took);
        if (took > 1000) problems.push(`an answer took ${took.toFixed(0)} ms`);
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        await sleep(200);
      }
    })();
    // A 10 MB file written slowly: 256 KiB every 50 ms, so it is under the size limit for a while.
    const slowWriter = (async () => {
      while (running) {
        const fh = await open(join(dir, 'slow.yaml'), 'w');
        for (let off = 0; off < big.length && running; off += 256 * 1024) {
          await fh.write(big.slice(off, off + 256 * 1024));
          await sleep(50);
        }
        await fh.close();
      }
    })();
    const stormStarted = Date.now();
    const { maxDelayMs } = await maxLoopDelay(async () => {
      for (let i = 1; Date.now() - stormStarted < STORM_MS; i++) {
        await storm(i);
        await sleep(100);
      }
    });
    running = false;
    await Promise.all([poller, slowWriter]);

    for (const f of ['bad.yaml', 'bad.json', 'garbage.yaml', 'ten-mb.yaml', 'slow.yaml', 'loop-a.yaml', 'loop-b.yaml', ...fixed.map((f) => f.name)]) await rm(join(dir, f), { force: true });
    await eventually(() => h.sup.rejections().length === 0, { timeoutMs: 15_000, what: 'every rejection gone' });
    await sleep(3000);
    const end = retainedBytes();
    const rssEnd = process.memoryUsage().rss;
    const unhealthy = h.sup.events(uid).filter((e) => e.reason === 'Unhealthy');

    t.diagnostic(`status answers: ${answers}, slowest ${slowest.toFixed(0)} ms; event loop max delay ${maxDelayMs.toFixed(0)} ms`);
    t.diagnostic(`heap+buffers after gc: start ${(start / MB).toFixed(1)} MB, end ${(end / MB).toFixed(1)} MB; rss start ${(rssStart / MB).toFixed(0)} MB, peak ${(rssPeak / MB).toFixed(0)} MB, end ${(rssEnd / MB).toFixed(0)} MB`);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.ok(answers >= STORM_MS / 400, `only ${answers} status answers`);
    assert.deepEqual(unhealthy, [], 'the readiness probe never failed');
    assert.ok(end - start < 20 * MB, `retained ${((end - start) / MB).toFixed(1)} MB more than before the storm`);
    assert.ok(rssPeak < 300 * MB, `rss peaked at ${(rssPeak / MB).toFixed(0)} MB`);
    const after = h.pod('web')!;
    assert.equal(cs(after, 'app')?.restartCount, 0);
    assert.equal(cs(after, 'app')?.containerID, containerId);
  });
});
