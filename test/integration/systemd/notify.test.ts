import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { CriClient, managedSelector } from '../../../src/runtime/index.js';
import { CliProcess, runCli } from '../../helpers/cli.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { NotifyListener } from '../../helpers/notify-listener.js';
import { BUSYBOX, manifest } from '../../helpers/supervisor.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The test plays systemd: staticlet runs with NOTIFY_SOCKET pointing at a datagram socket the
 * test listens on, and WATCHDOG_USEC=2 s (a ping each second).
 */
describe('systemd notify and watchdog', () => {
  let env: ContainerdEnv;
  let runtime: CriClient;
  let dir: string;
  let proc: CliProcess | undefined;
  let listener: NotifyListener | undefined;
  let containerdPid = 0;
  before(async () => {
    env = await startContainerd();
    runtime = new CriClient({ endpoint: env.endpoint });
    dir = join(env.dir, 'sd');
    await mkdir(join(dir, 'manifests'), { recursive: true });
    containerdPid = Number((await readFile(join(env.dir, 'containerd.pid'), 'utf8')).trim());
  });
  after(async () => {
    if (containerdPid) process.kill(containerdPid, 'SIGCONT');
    await proc?.stop('SIGKILL');
    listener?.stop();
    runtime?.close();
    await env?.down();
  });

  const root = (): string => join(dir, 'root');
  const start = (extraEnv: Record<string, string> = {}): CliProcess =>
    new CliProcess(
      [
        'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', join(dir, 'manifests'), '--container-runtime-endpoint', env.endpoint,
        '--root-dir', root(), '--pod-logs-dir', join(dir, 'logs'), '--container-log-links-dir', join(dir, 'containers'), '--hostname-override', 'node-1', '--node-ip', '127.0.0.1',
        '--logging-format', 'json',
      ],
      { env: extraEnv },
    );
  const pods = async (): Promise<Pod[]> => {
    const r = await runCli(['pods', '--root-dir', root(), '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as { items: Pod[] }).items : [];
  };
  const running = (p: Pod): boolean => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running);
  const containerIds = async (): Promise<string[]> => (await runtime.listContainers({ labelSelector: managedSelector() })).map((c) => `${c.id}:${c.state}`).sort();

  test('a watchdog timeout of 1 s or less is refused at start', async () => {
    const p = start({ NOTIFY_SOCKET: join(dir, 'nobody-listens.sock'), WATCHDOG_USEC: '1000000' });
    const code = await new Promise<number | null>((r) => p.child.on('close', r));
    assert.equal(code, 2);
    assert.ok(p.lines.some((l) => /watchdog timeout \(WatchdogSec\) is 1 s; it must be over 1 s/.test(String(l.msg))), JSON.stringify(p.lines));
  });

  test('READY=1 once running pods are adopted (none restarted), not waiting for an image pull; WATCHDOG=1 each WatchdogSec/2; none while the sync loop is stuck', async () => {
    const spec = `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`;
    await writeFile(join(dir, 'manifests', 'a.yaml'), manifest('a', spec));
    await writeFile(join(dir, 'manifests', 'b.yaml'), manifest('b', spec));
    proc = start();
    await eventually(async () => {
      const l = await pods();
      return l.length === 2 && l.every(running);
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'two pods running' });
    const idsBefore = await containerIds();
    await proc.stop('SIGKILL');

    // A pod whose image can never be pulled: READY must not wait for it.
    await writeFile(join(dir, 'manifests', 'c.yaml'), manifest('c', `  containers:\n  - {name: app, image: staticlet.local/not-there:1, imagePullPolicy: Always}\n`));
    listener = await NotifyListener.start(join(dir, 'notify.sock'));
    const started = Date.now();
    proc = start({ NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: '2000000', STATICLET_TEST_SYNC_LOOP_THRESHOLD_MS: '3000' });
    const ready = (await eventually(() => listener!.times('READY=1')[0], { timeoutMs: 30_000, intervalMs: 50, what: 'READY=1' }));
    await proc.waitFor((l) => l.msg === 'told systemd staticlet is ready');
    const at = (msg: string): number => proc!.lines.findIndex((l) => l.msg === msg);
    assert.ok(at('pod manager started') >= 0 && at('pod manager started') < at('told systemd staticlet is ready'), 'READY=1 comes after the pod manager adopted the running pods');
    console.log(`READY=1 ${ready - started} ms after the second start`);
    const atReady = await pods();
    const c = atReady.find((p) => p.metadata?.name === 'c-node-1');
    assert.ok(!c || !running(c), 'the unpullable pod is not running: READY did not wait for it');
    assert.deepEqual(await containerIds().then((ids) => ids.filter((id) => idsBefore.includes(id))), idsBefore, 'adopted containers were not restarted');
    assert.ok(listener.times('STATUS=').length > 0, 'STATUS= lines are sent');
    await eventually(() => listener!.messages.some((m) => /^STATUS=\d+ pods running, \d+ waiting, 0 manifests refused$/.test(m.field)), { timeoutMs: 10_000, what: 'STATUS with counts' });

    // Pings at WatchdogSec/2 = 1 s.
    await sleep(4_500);
    const pings = listener.times('WATCHDOG=1').filter((t) => t > ready);
    assert.ok(pings.length >= 3, `pings: ${pings.length}`);
    const gaps = pings.slice(1).map((t, i) => t - pings[i]!);
    console.log(`watchdog ping gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(' ')}`);
    for (const g of gaps) assert.ok(g > 700 && g < 1_500, `gap ${g} ms`);

    // Stall the sync loop for real: containerd stopped, so the relist's CRI calls hang (until
    // their 10 s deadline); after the 3 s threshold the pings stop.
    process.kill(containerdPid, 'SIGSTOP');
    const stalled = Date.now();
    await sleep(9_000);
    const during = listener.times('WATCHDOG=1').filter((t) => t > stalled + 5_000 && t < stalled + 9_000);
    assert.deepEqual(during, [], 'no WATCHDOG=1 while the sync loop is stuck');
    assert.ok(proc.lines.some((l) => l.msg === 'not pinging the systemd watchdog: the sync loop is not healthy'));
    process.kill(containerdPid, 'SIGCONT');
    const resumed = Date.now();
    await eventually(() => listener!.times('WATCHDOG=1').some((t) => t > resumed), { timeoutMs: 15_000, intervalMs: 100, what: 'pings resume' });

    await proc.stop('SIGTERM');
    proc = undefined;
    assert.ok(listener.times('STOPPING=1').length === 1, 'STOPPING=1 on shutdown');
  });
});
