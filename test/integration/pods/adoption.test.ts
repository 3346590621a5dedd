import assert from 'node:assert/strict';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { CriClient, managedSelector } from '../../../src/runtime/index.js';
import { CliProcess, runCli } from '../../helpers/cli.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, manifest } from '../../helpers/supervisor.js';

describe('a restarted supervisor adopts what runs', () => {
  let env: ContainerdEnv;
  let runtime: CriClient;
  let dir: string;
  let proc: CliProcess | undefined;
  before(async () => {
    env = await startContainerd();
    runtime = new CriClient({ endpoint: env.endpoint });
    dir = join(env.dir, 'adopt');
    await mkdir(join(dir, 'manifests'), { recursive: true });
  });
  after(async () => {
    await proc?.stop('SIGKILL');
    runtime?.close();
    await env?.down();
  });

  const root = (): string => join(dir, 'root');
  const start = (): CliProcess =>
    new CliProcess([
      'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', join(dir, 'manifests'), '--container-runtime-endpoint', env.endpoint,
      '--root-dir', root(), '--pod-logs-dir', join(dir, 'logs'), '--container-log-links-dir', join(dir, 'containers'), '--hostname-override', 'node-1', '--node-ip', '127.0.0.1',
      '--logging-format', 'json',
    ]);
  const pods = async (): Promise<Pod[]> => {
    const r = await runCli(['pods', '--root-dir', root(), '-o', 'json']);
    if (r.code !== 0) return [];
    return (JSON.parse(r.stdout) as { items: Pod[] }).items;
  };
  const allRunning = async (n: number): Promise<Pod[] | undefined> => {
    const list = await pods();
    const ok = list.length === n && list.every((p) => p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running));
    return ok ? list : undefined;
  };
  const containerIds = async (): Promise<string[]> => (await runtime.listContainers({ labelSelector: managedSelector() })).map((c) => `${c.id}:${c.state}`).sort();

  test('kill -9 with 5 pods running, start again: no container restarts, status restored', async () => {
    for (let i = 0; i < 5; i++) {
      const spec = `  terminationGracePeriodSeconds: 1\n${i % 2 ? '  hostNetwork: true\n' : ''}  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}\n  - {name: side, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`;
      await writeFile(join(dir, 'manifests', `p${i}.yaml`), manifest(`p${i}`, spec));
    }
    proc = start();
    const before = await eventually(() => allRunning(5), { timeoutMs: 30_000, intervalMs: 200, what: '5 pods running' });
    const idsBefore = await containerIds();
    assert.equal(idsBefore.length, 10);
    const table = await runCli(['pods', '--root-dir', root()]);
    assert.match(table.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    assert.match(table.stdout, /^default\s+p0-node-1\s+2\/2\s+Running\s+0\s+\d+s$/m);

    await proc.stop('SIGKILL');
    proc = start();
    const after = await eventually(() => allRunning(5), { timeoutMs: 30_000, intervalMs: 200, what: '5 pods running again' });
    await proc.waitFor((l) => l.msg === 'pod manager started');
    // Give a wrong restart every chance to show: several relists and syncs.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(await containerIds(), idsBefore, 'same containers, still running');
    const key = (p: Pod) => p.metadata?.name ?? '';
    const summary = (list: Pod[]) =>
      list
        .slice()
        .sort((a, b) => key(a).localeCompare(key(b)))
        .map((p) => ({ name: key(p), uid: p.metadata?.uid, ip: p.status?.podIP, start: p.status?.startTime, containers: p.status?.containerStatuses?.map((c) => [c.name, c.containerID, c.restartCount, c.state?.running?.startedAt]) }));
    assert.deepEqual(summary(after), summary(before), 'status restored');
    assert.equal(proc.lines.filter((l) => l.msg === 'Killing' || l.reason === 'Killing').length, 0);
  });

  test('a manifest deleted while the supervisor was down: its pod is removed as an orphan on start', async () => {
    await proc?.stop('SIGKILL');
    await unlink(join(dir, 'manifests', 'p4.yaml'));
    proc = start();
    await eventually(() => allRunning(4), { timeoutMs: 30_000, intervalMs: 200, what: '4 pods' });
    await eventually(async () => (await runtime.listPodSandboxes({ labelSelector: managedSelector() })).length === 4, { timeoutMs: 15_000, what: 'orphan removed' });
    assert.equal((await containerIds()).length, 8);
    await proc.stop('SIGTERM');
    proc = undefined;
    // SIGTERM leaves static pods running.
    assert.equal((await containerIds()).filter((c) => c.endsWith(':running')).length, 8);
  });
});
