import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CONTAINER_NAME_LABEL,
  CriClient,
  DeadlineExceededError,
  MANAGED_BY_LABEL,
  NotFoundError,
  POD_UID_LABEL,
  connectRuntime,
  managedSelector,
} from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { containerConfig, sandboxConfig, waitFor } from './fixtures.js';

describe('CRI lifecycle against a real containerd', () => {
  let env: ContainerdEnv;
  let client: CriClient;

  before(async () => {
    env = await startContainerd();
    client = new CriClient({ endpoint: env.endpoint });
  });

  after(async () => {
    client?.close();
    await env?.down();
  });

  it('performs the version handshake', async () => {
    const hs = await connectRuntime({ endpoint: env.endpoint, timeoutMs: 5_000 });
    try {
      assert.equal(hs.version.runtimeName, 'containerd');
      assert.match(hs.version.runtimeApiVersion, /^v1/);
      assert.equal(hs.runtimeReady, true);
      assert.equal(hs.networkReady, true);
      assert.ok(hs.status.conditions.some((c) => c.type === 'RuntimeReady' && c.status));
    } finally {
      hs.client.close();
    }
  });

  it('creates, starts, stops and removes a host-network sandbox and container', async () => {
    const sb = sandboxConfig(env.dir, 'hostnet', true);
    const podId = await client.runPodSandbox(sb);
    const st = await client.podSandboxStatus(podId);
    assert.equal(st.state, 'ready');
    assert.equal(st.ip, '', 'host-network sandboxes have no pod IP');
    assert.equal(st.namespaceOptions?.network, 'NODE');
    assert.equal(st.labels[POD_UID_LABEL], sb.metadata.uid);

    const cid = await client.createContainer(podId, containerConfig(sb, 'main', env.busyboxImage, ['sleep', '3600']), sb);
    assert.equal((await client.containerStatus(cid)).state, 'created');
    await client.startContainer(cid);
    const running = await client.containerStatus(cid);
    assert.equal(running.state, 'running');
    assert.ok(running.startedAt > 0);

    await client.stopContainer(cid, 1);
    assert.equal((await client.containerStatus(cid)).state, 'exited');
    await client.removeContainer(cid);
    await assert.rejects(client.containerStatus(cid), NotFoundError);

    await client.stopPodSandbox(podId);
    assert.equal((await client.podSandboxStatus(podId)).state, 'notready');
    await client.removePodSandbox(podId);
    await assert.rejects(client.podSandboxStatus(podId), NotFoundError);
    // Stop/remove are idempotent in CRI; repeating them must not throw.
    await client.stopPodSandbox(podId).catch((e: unknown) => assert.ok(e instanceof NotFoundError));
  });

  it('gives a pod-network sandbox an IP', async () => {
    const sb = sandboxConfig(env.dir, 'podnet', false);
    const podId = await client.runPodSandbox(sb);
    try {
      const st = await client.podSandboxStatus(podId);
      assert.match(st.ip, /^\d+\.\d+\.\d+\.\d+$/);
      const cid = await client.createContainer(podId, containerConfig(sb, 'main', env.busyboxImage, ['sleep', '3600']), sb);
      await client.startContainer(cid);
      const r = await client.execSync(cid, ['hostname'], 5);
      assert.equal(r.stdout.toString().trim(), 'podnet');
      const addr = await client.execSync(cid, ['ip', '-4', '-o', 'addr', 'show', 'eth0'], 5);
      assert.match(addr.stdout.toString(), new RegExp(st.ip.replace(/\./g, '\\.')));
    } finally {
      await client.stopPodSandbox(podId);
      await client.removePodSandbox(podId);
    }
  });

  it('runs ExecSync with exit codes, output and a timeout', async () => {
    const sb = sandboxConfig(env.dir, 'exec', true);
    const podId = await client.runPodSandbox(sb);
    try {
      const cid = await client.createContainer(podId, containerConfig(sb, 'main', env.busyboxImage, ['sleep', '3600']), sb);
      await client.startContainer(cid);
      const ok = await client.execSync(cid, ['sh', '-c', 'echo out; echo err >&2'], 5);
      assert.equal(ok.exitCode, 0);
      assert.equal(ok.stdout.toString(), 'out\n');
      assert.equal(ok.stderr.toString(), 'err\n');
      assert.equal((await client.execSync(cid, ['sh', '-c', 'exit 42'], 5)).exitCode, 42);
      assert.equal((await client.execSync(cid, ['false'], 5)).exitCode, 1);

      const t0 = Date.now();
      await assert.rejects(client.execSync(cid, ['sleep', '30'], 1), DeadlineExceededError);
      assert.ok(Date.now() - t0 < 10_000, 'exec timeout is enforced by the runtime');

      // A missing binary is reported by the runtime, not as a hang.
      await assert.rejects(client.execSync(cid, ['/no/such/binary'], 5));
      await assert.rejects(client.execSync('0000000000000000', ['true'], 5), NotFoundError);
    } finally {
      await client.stopPodSandbox(podId);
      await client.removePodSandbox(podId);
    }
  });

  it('lists sandboxes and containers by label selector', async () => {
    const a = sandboxConfig(env.dir, 'list-a', true, { app: 'alpha' });
    const b = sandboxConfig(env.dir, 'list-b', true, { app: 'beta' });
    const ida = await client.runPodSandbox(a);
    const idb = await client.runPodSandbox(b);
    try {
      const ca = await client.createContainer(ida, containerConfig(a, 'web', env.busyboxImage, ['sleep', '3600']), a);
      const cb = await client.createContainer(idb, containerConfig(b, 'web', env.busyboxImage, ['sleep', '3600']), b);
      await client.startContainer(ca);

      const alpha = await client.listPodSandboxes({ labelSelector: { app: 'alpha' } });
      assert.deepEqual(alpha.map((s) => s.id), [ida]);
      const managed = await client.listPodSandboxes({ labelSelector: { [MANAGED_BY_LABEL]: 'staticlet' } });
      assert.deepEqual(new Set(managed.map((s) => s.id)), new Set([ida, idb]));
      assert.equal((await client.listPodSandboxes({ state: 'ready', labelSelector: { app: 'beta' } }))[0]?.id, idb);

      const byPod = await client.listContainers({ labelSelector: { [POD_UID_LABEL]: b.metadata.uid } });
      assert.deepEqual(byPod.map((c) => c.id), [cb]);
      const web = await client.listContainers({ labelSelector: { [CONTAINER_NAME_LABEL]: 'web' } });
      assert.equal(web.length, 2);
      const runningOnly = await client.listContainers({ state: 'running', labelSelector: { [CONTAINER_NAME_LABEL]: 'web' } });
      assert.deepEqual(runningOnly.map((c) => c.id), [ca]);
      assert.deepEqual((await client.listContainers({ podSandboxId: idb })).map((c) => c.id), [cb]);
      assert.deepEqual(await client.listContainers({ labelSelector: { app: 'nope' } }), []);
    } finally {
      for (const id of [ida, idb]) {
        await client.stopPodSandbox(id);
        await client.removePodSandbox(id);
      }
    }
  });

  it('reports exit code and reason after the process exits, and container stats', async () => {
    const sb = sandboxConfig(env.dir, 'exit', true);
    const podId = await client.runPodSandbox(sb);
    try {
      const bad = await client.createContainer(podId, containerConfig(sb, 'bad', env.busyboxImage, ['sh', '-c', 'echo bye; exit 7']), sb);
      const good = await client.createContainer(podId, containerConfig(sb, 'good', env.busyboxImage, ['true']), sb);
      const live = await client.createContainer(podId, containerConfig(sb, 'live', env.busyboxImage, ['sleep', '3600']), sb);
      await client.startContainer(bad);
      await client.startContainer(good);
      await client.startContainer(live);

      const badSt = await waitFor('bad container to exit', async () => {
        const s = await client.containerStatus(bad);
        return s.state === 'exited' ? s : undefined;
      });
      assert.equal(badSt.exitCode, 7);
      assert.equal(badSt.reason, 'Error');
      assert.ok(badSt.finishedAt >= badSt.startedAt && badSt.startedAt > 0);
      assert.match(badSt.logPath, /bad\/0\.log$/);

      const goodSt = await waitFor('good container to exit', async () => {
        const s = await client.containerStatus(good);
        return s.state === 'exited' ? s : undefined;
      });
      assert.equal(goodSt.exitCode, 0);
      assert.equal(goodSt.reason, 'Completed');

      const stats = await client.containerStats(live);
      assert.equal(stats.id, live);
      assert.equal(stats.name, 'live');
      const all = await client.listContainerStats({ podSandboxId: podId });
      assert.ok(all.some((s) => s.id === live));
      await client.reopenContainerLog(live);
    } finally {
      await client.stopPodSandbox(podId);
      await client.removePodSandbox(podId);
    }
  });
  it('answers the relist with the same identity, state and labels as the full lists', async () => {
    const made: string[] = [];
    try {
      // One sandbox of each state, with containers created, running and exited.
      for (const [i, state] of (['created', 'running', 'exited'] as const).entries()) {
        const sb = sandboxConfig(env.dir, `brief-${i}`, true);
        const podId = await client.runPodSandbox(sb);
        made.push(podId);
        const cid = await client.createContainer(podId, containerConfig(sb, 'main', env.busyboxImage, state === 'exited' ? ['true'] : ['sleep', '3600']), sb);
        if (state !== 'created') await client.startContainer(cid);
        if (state === 'exited') {
          await waitFor('container to exit', async () => ((await client.containerStatus(cid)).state === 'exited' ? true : undefined));
          await client.stopPodSandbox(podId);
        }
      }
      const selector = { labelSelector: managedSelector() };
      const byId = <T extends { id: string }>(xs: T[]): T[] => [...xs].sort((a, b) => a.id.localeCompare(b.id));
      const containers = byId(await client.listContainers(selector));
      assert.deepEqual(
        byId(await client.listContainerBriefs(selector)),
        containers.map((c) => ({ id: c.id, podSandboxId: c.podSandboxId, state: c.state, labels: c.labels })),
      );
      assert.deepEqual(new Set(containers.filter((c) => made.includes(c.podSandboxId)).map((c) => c.state)), new Set(['created', 'running', 'exited']));
      const sandboxes = byId(await client.listPodSandboxes(selector));
      assert.deepEqual(
        byId(await client.listPodSandboxBriefs(selector)),
        sandboxes.map((s) => ({ id: s.id, state: s.state, labels: s.labels })),
      );
      assert.deepEqual(new Set(sandboxes.filter((s) => made.includes(s.id)).map((s) => s.state)), new Set(['ready', 'notready']));
    } finally {
      for (const id of made) {
        await client.stopPodSandbox(id);
        await client.removePodSandbox(id);
      }
    }
  });
});
