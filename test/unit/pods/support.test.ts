import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HookError, runHook } from '../../../src/pods/hooks.js';
import { Limiter } from '../../../src/lib/limiter.js';
import { ensurePodLogDir, markPodLogsRemoved, OWNER_MARKER, pruneRemovedPodLogs, restartHistory } from '../../../src/pods/log-paths.js';
import { podHostname } from '../../../src/pods/hostname.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { pod } from './fakes.js';

describe('Limiter', () => {
  test('never runs more than max at once and runs everything', async () => {
    const l = new Limiter(3);
    let active = 0;
    let peak = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        l.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
          return i;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(done.length, 20);
  });
});

describe('pod log directories', () => {
  test('restart history comes from <container>/<n>.log files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stl-logs-'));
    try {
      assert.equal(await restartHistory(dir, 'app'), -1);
      await mkdir(join(dir, 'app'));
      await writeFile(join(dir, 'app', '0.log'), '');
      await writeFile(join(dir, 'app', '3.log'), '');
      await writeFile(join(dir, 'app', 'x.log'), '');
      assert.equal(await restartHistory(dir, 'app'), 3);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('only removed pods past retention are pruned; live, unmarked and recent ones stay', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stl-logs-'));
    try {
      const mk = async (name: string) => {
        await ensurePodLogDir(join(root, name));
        return join(root, name);
      };
      const old = await mk('default_a_uid-old');
      const recent = await mk('default_b_uid-recent');
      const live = await mk('default_c_uid-live');
      await mkdir(join(root, 'default_kubelet_uid-foreign'));
      await markPodLogsRemoved(old);
      await markPodLogsRemoved(recent);
      await markPodLogsRemoved(live);
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(join(old, OWNER_MARKER), hourAgo, hourAgo);
      await utimes(join(live, OWNER_MARKER), hourAgo, hourAgo);
      const removed = await pruneRemovedPodLogs(root, new Set(['uid-live']), 60_000);
      assert.deepEqual(removed, ['default_a_uid-old']);
      await stat(recent);
      await stat(join(root, 'default_kubelet_uid-foreign'));
      // A pod that comes back clears its removal stamp.
      await ensurePodLogDir(recent);
      assert.equal(await readFile(join(recent, OWNER_MARKER), 'utf8'), '');
    } finally {
      await rm(root, { recursive: true });
    }
  });
});

describe('lifecycle hooks', () => {
  const container = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }] };

  test('httpGet: 2xx/3xx succeed, 4xx/5xx fail, headers are sent', async () => {
    let seen: Record<string, unknown> = {};
    const server = createServer((req, res) => {
      seen = req.headers;
      res.statusCode = req.url === '/bad' ? 500 : 204;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const target = { runtime: {} as Runtime, containerId: 'c', container, podIP: '127.0.0.1' };
    try {
      await runHook({ httpGet: { port, path: '/ok', httpHeaders: [{ name: 'X-Test', value: 'yes' }] } }, target, 2_000);
      assert.equal(seen['x-test'], 'yes');
      await assert.rejects(runHook({ httpGet: { port, path: '/bad' } }, target, 2_000), /statuscode: 500/);
      // Named ports resolve from the container; an unknown name is an error.
      const named = { ...target, container: { name: 'app', ports: [{ name: 'web', containerPort: port }] } };
      await runHook({ httpGet: { port: 'web', path: '/ok' } }, named, 2_000);
      await assert.rejects(runHook({ httpGet: { port: 'grpc', path: '/ok' } }, named, 2_000), HookError);
    } finally {
      server.close();
    }
  });

  test('exec goes through the runtime with the timeout; a non-zero exit fails', async () => {
    const calls: unknown[] = [];
    const runtime = {
      execSync: async (id: string, cmd: string[], timeout: number) => {
        calls.push([id, cmd, timeout]);
        return { stdout: Buffer.from(''), stderr: Buffer.from('nope'), exitCode: cmd[0] === 'false' ? 1 : 0 };
      },
    } as unknown as Runtime;
    const target = { runtime, containerId: 'c1', container, podIP: '' };
    await runHook({ exec: { command: ['true'] } }, target, 4_500);
    await assert.rejects(runHook({ exec: { command: ['false'] } }, target, 1_000), /exited with 1: nope/);
    assert.deepEqual(calls[0], ['c1', ['true'], 5]);
  });

  test('sleep waits at most the time it is given', async () => {
    const t = Date.now();
    await runHook({ sleep: { seconds: 30 } }, { runtime: {} as Runtime, containerId: 'c', container, podIP: '' }, 50);
    assert.ok(Date.now() - t < 1_000);
  });
});

describe('sandbox hostname', () => {
  test('long static pod names are cut to 63 characters without a trailing dash', () => {
    const name = `${'a'.repeat(62)}-node`;
    assert.equal(podHostname(pod({})), 'p-node');
    assert.equal(podHostname({ metadata: { name } }), 'a'.repeat(62));
  });
});
