/**
 * A manifest directory swapped under a running supervisor, the three ways operators and
 * configuration management do it, with the kubelet's 20 s rescan: the new directory's pods run
 * within 3 s, from the once-a-second identity check, not the rescan.
 */
import assert from 'node:assert/strict';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const pod = (name: string): string =>
  manifest(name, ['  terminationGracePeriodSeconds: 1', '  containers:', '  - name: app', `    image: ${BUSYBOX}`, '    command: [sleep, "3600"]', ''].join('\n'));

describe('a swapped manifest directory is followed within 3 s', () => {
  let env: ContainerdEnv;
  before(async () => {
    env = await startContainerd();
  });
  after(async () => {
    await env?.down();
  });

  /** A supervisor on `path` (a directory or a link to one) with the default 20 s rescan. */
  async function supervise(dir: string, path: string): Promise<SupervisorHarness> {
    return startSupervisor(env, { dir, settings: { staticPodPath: path, fileCheckFrequencyMs: 20_000 } });
  }
  const running = (h: SupervisorHarness, name: string, timeoutMs: number) => h.waitPod(name, (p) => cs(p, 'app')?.state?.running !== undefined, timeoutMs);

  async function swapCase(name: string, prepare: (dir: string) => Promise<string>, swap: (dir: string) => Promise<void>): Promise<void> {
    const dir = join(env.dir, name);
    await mkdir(dir, { recursive: true });
    const path = await prepare(dir);
    const h = await supervise(dir, path);
    try {
      await running(h, 'before', 30_000);
      const t0 = Date.now();
      await swap(dir);
      await running(h, 'after', 3_000);
      const took = Date.now() - t0;
      process.stdout.write(`# ${name}: the new directory's pod ran ${took} ms after the swap\n`);
      assert.ok(took < 3_000);
      await eventually(() => h.pod('before') === undefined, { timeoutMs: 10_000, what: "the old directory's pod to go" });
    } finally {
      await h.stop();
      await env.removeAllPods();
    }
  }

  test('removed and created again', async () => {
    await swapCase(
      'rm-mkdir',
      async (dir) => {
        await mkdir(join(dir, 'm'));
        await writeFile(join(dir, 'm', 'before.yaml'), pod('before'));
        return join(dir, 'm');
      },
      async (dir) => {
        await rm(join(dir, 'm'), { recursive: true });
        await mkdir(join(dir, 'm'));
        await writeFile(join(dir, 'm', 'after.yaml'), pod('after'));
      },
    );
  });

  test('renamed over by another directory', async () => {
    await swapCase(
      'rename-over',
      async (dir) => {
        await mkdir(join(dir, 'm'));
        await writeFile(join(dir, 'm', 'before.yaml'), pod('before'));
        return join(dir, 'm');
      },
      async (dir) => {
        await mkdir(join(dir, 'm.next'));
        await writeFile(join(dir, 'm.next', 'after.yaml'), pod('after'));
        await rename(join(dir, 'm'), join(dir, 'm.old'));
        await rename(join(dir, 'm.next'), join(dir, 'm'));
      },
    );
  });

  test('a symlink swapped to another directory', async () => {
    await swapCase(
      'symlink-swap',
      async (dir) => {
        await mkdir(join(dir, 'v1'));
        await writeFile(join(dir, 'v1', 'before.yaml'), pod('before'));
        await symlink(join(dir, 'v1'), join(dir, 'live'));
        return join(dir, 'live');
      },
      async (dir) => {
        await mkdir(join(dir, 'v2'));
        await writeFile(join(dir, 'v2', 'after.yaml'), pod('after'));
        await symlink(join(dir, 'v2'), join(dir, 'live.next'));
        await rename(join(dir, 'live.next'), join(dir, 'live'));
      },
    );
  });
});
