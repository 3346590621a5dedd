/**
 * Drill: the filesystem under the pod log directory fills up (a small tmpfs here). Running pods
 * keep running, new pods still start (the runtime drops what they print), staticlet keeps
 * answering and says once that output is being lost, and once that there is room again.
 */
import assert from 'node:assert/strict';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { fetchStatus } from '../../../src/cli/status-client.js';
import { mountTmpfs, unmount } from '../../../src/volumes/mountinfo.js';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { createLogger } from '../../../src/logging/logger.js';
import { textSink } from '../../helpers/streams.js';

const pod = (name: string, script: string): string =>
  manifest(name, ['  terminationGracePeriodSeconds: 1', '  containers:', '  - name: app', `    image: ${BUSYBOX}`, `    command: [sh, -c, ${JSON.stringify(script)}]`, ''].join('\n'));

/** Writes zeros until the filesystem refuses: ENOSPC is the point. */
async function fill(path: string): Promise<void> {
  const fh = await open(path, 'w');
  const chunk = Buffer.alloc(64 << 10);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
}

describe('drill: the pod log filesystem is full', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let logs: string;
  const log = textSink();
  before(async () => {
    env = await startContainerd();
    const dir = join(env.dir, 'sup-full');
    logs = join(dir, 'logs');
    await mkdir(logs, { recursive: true });
    await mountTmpfs(logs, 4n << 20n);
    h = await startSupervisor(env, { dir, settings: { podLogsDir: logs }, logRotationPeriodMs: 500, logger: createLogger({ format: 'json', destination: log.stream }) });
  });
  after(async () => {
    await h?.stop();
    await env?.removeAllPods();
    await unmount(logs).catch(() => undefined);
    await env?.down();
  });

  test('running pods keep running, new pods start, staticlet answers and reports the full disk once', async () => {
    await h.write('chatty.yaml', pod('chatty', 'while :; do echo tick; sleep 0.1; done'));
    const first = await h.waitPod('chatty', (p) => cs(p, 'app')?.state?.running !== undefined, 30_000);
    const id = cs(first, 'app')!.containerID;

    await fill(join(logs, 'filler'));
    await h.write('late.yaml', pod('late', 'exec sleep 3600'));
    // staticlet keeps syncing: the late pod shows why it cannot start.
    await h.waitPod('late', (p) => cs(p, 'app')?.state?.running !== undefined, 30_000);
    await eventually(() => /the pod log filesystem is full/.test(log.text()), { timeoutMs: 5_000, what: 'the full log filesystem reported' });
    // The status socket still answers, and the running pod was never touched.
    const list = await fetchStatus<{ items: Pod[] }>(h.settings.statusSocket, '/pods');
    const chatty = list.items.find((p) => p.metadata?.name === 'chatty-node-1')!;
    assert.equal(cs(chatty, 'app')?.containerID, id);
    assert.equal(cs(chatty, 'app')?.restartCount, 0);
    assert.ok(cs(chatty, 'app')?.state?.running, 'the running pod keeps running with its log disk full');

    await unlink(join(logs, 'filler'));
    await eventually(() => /the pod log filesystem has room again/.test(log.text()), { timeoutMs: 5_000, what: 'the recovery reported' });
    assert.equal(log.text().match(/the pod log filesystem is full/g)?.length, 1, 'said once, not every pass');
    await eventually(() => cs(h.pod('chatty')!, 'app')?.state?.running !== undefined && cs(h.pod('chatty')!, 'app')?.containerID === id, { what: 'chatty unchanged' });
  });
});
