/**
 * A running pod with a readiness probe while the manifest directory is stormed with hostile
 * files: the status socket keeps answering, the probe keeps passing, and memory comes back.
 * Twice: in-process, where the heap the storm leaves behind is measured after a full GC, and as
 * `staticlet run` in a child process, where the resident set is what is measured.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { fetchStatus } from '../../../src/cli/status-client.js';
import type { PodEvent } from '../../../src/events/index.js';
import { serviceEnvironment, serviceNodeFlags } from '../../../bench/lib/node-flags.js';
import { CliProcess } from '../../helpers/cli.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { ManifestStorm, maxLoopDelay, retainedBytes } from '../../helpers/hostile.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, condition, cs, manifest, NODE, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

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

/**
 * Asks the status socket for the pod list every 200 ms while `running()` holds, and notes every
 * answer slower than 1 s or showing `web` other than ready with the same container.
 */
async function pollStatus(socket: string, uid: string, containerId: string | undefined, running: () => boolean, onAnswer: () => void = () => undefined) {
  let slowest = 0;
  let answers = 0;
  const problems: string[] = [];
  while (running()) {
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
    onAnswer();
    await sleep(200);
  }
  return { slowest, answers, problems };
}

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
    const storm = new ManifestStorm(h.manifests);
    await storm.warmUp();
    await eventually(() => h.sup.rejections().length >= 8, { timeoutMs: 10_000, what: 'warm-up rejections' });
    await sleep(2000);
    const start = retainedBytes();
    const rssStart = process.memoryUsage().rss;

    let rssPeak = rssStart;
    let running = true;
    const poller = pollStatus(h.settings.statusSocket, uid, containerId, () => running, () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)));
    const { maxDelayMs } = await maxLoopDelay(async () => {
      await storm.run(STORM_MS);
    });
    running = false;
    const { slowest, answers, problems } = await poller;

    await storm.clear();
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

/** VmRSS of a process, in bytes. */
async function rssOf(pid: number): Promise<number> {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** As the systemd unit runs it: its Node flags and its environment (malloc tuning, see there). */
describe('a storm of hostile manifests against `staticlet run` in a child process', () => {
  let env: ContainerdEnv;
  let proc: CliProcess | undefined;
  before(async () => {
    env = await startContainerd();
  });
  after(async () => {
    await proc?.stop('SIGTERM');
    await env?.removeAllPods();
    await env?.down();
  });

  test('its resident set peaks below 300 MB and ends within 20 MB of where it started', async (t) => {
    const dir = join(env.dir, 'storm-child');
    const manifests = join(dir, 'manifests');
    const root = join(dir, 'root');
    await mkdir(manifests, { recursive: true });
    await writeFile(join(manifests, 'web.yaml'), WEB);
    proc = new CliProcess([
      'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', manifests, '--container-runtime-endpoint', env.endpoint, '--root-dir', root,
      '--pod-logs-dir', join(dir, 'logs'), '--container-log-links-dir', join(dir, 'containers'), '--hostname-override', NODE,
      '--node-ip', '127.0.0.1', '--logging-format', 'json', '--file-check-frequency', '20s',
    ], { nodeArgs: serviceNodeFlags(), env: serviceEnvironment() });
    const pid = proc.child.pid!;
    const socket = join(root, 'staticlet.sock');
    const web = await eventually(async () => {
      const list = await fetchStatus<{ items: Pod[] }>(socket, '/pods', 1000).catch(() => undefined);
      const p = list?.items.find((x) => x.metadata?.name === `web-${NODE}`);
      return p && cs(p, 'app')?.ready === true ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'web ready' });
    const uid = web.metadata!.uid!;
    const containerId = cs(web, 'app')!.containerID;
    const rejected = async () => (await fetchStatus<{ items: unknown[] }>(socket, '/rejections', 2000)).items.length;

    const storm = new ManifestStorm(manifests);
    await storm.warmUp();
    await eventually(async () => (await rejected()) >= 8, { timeoutMs: 15_000, intervalMs: 200, what: 'warm-up rejections' });
    await sleep(2000);
    const rssStart = await rssOf(pid);
    let rssPeak = rssStart;
    let running = true;
    const poller = pollStatus(socket, uid, containerId, () => running, () => void rssOf(pid).then((r) => (rssPeak = Math.max(rssPeak, r)), () => undefined));
    await storm.run(STORM_MS);
    running = false;
    const { slowest, answers, problems } = await poller;
    await storm.clear();
    await eventually(async () => (await rejected()) === 0, { timeoutMs: 15_000, intervalMs: 200, what: 'every rejection gone' });
    // V8 gives memory back to the system once it has been idle a little while (up to 30 s here).
    let rssEnd = await rssOf(pid);
    for (let i = 0; i < 60 && rssEnd - rssStart >= 20 * MB; i++) {
      await sleep(500);
      rssEnd = await rssOf(pid);
    }
    const events = await fetchStatus<{ items: PodEvent[] }>(socket, `/pods/default/web-${NODE}/events`, 2000);

    t.diagnostic(`child: status answers ${answers}, slowest ${slowest.toFixed(0)} ms; rss start ${(rssStart / MB).toFixed(0)} MB, peak ${(rssPeak / MB).toFixed(0)} MB, end ${(rssEnd / MB).toFixed(0)} MB`);
    const oversize = proc.lines.filter((l) => JSON.stringify(l).length > 16 * 1024).length;
    assert.deepEqual(problems.slice(0, 5), []);
    assert.ok(answers >= STORM_MS / 400, `only ${answers} status answers`);
    assert.deepEqual(events.items.filter((e) => e.reason === 'Unhealthy'), [], 'the readiness probe never failed');
    assert.ok(rssPeak < 300 * MB, `rss peaked at ${(rssPeak / MB).toFixed(0)} MB`);
    assert.ok(rssEnd - rssStart < 20 * MB, `rss ended ${((rssEnd - rssStart) / MB).toFixed(1)} MB above its start`);
    assert.equal(oversize, 0, 'no log line over 16 KB');
  });
});
