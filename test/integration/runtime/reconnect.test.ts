import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CriClient, DeadlineExceededError, UnavailableError } from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { containerConfig, sandboxConfig } from './fixtures.js';

describe('runtime restart', () => {
  let env: ContainerdEnv;
  let client: CriClient;

  before(async () => {
    env = await startContainerd();
    client = new CriClient({ endpoint: env.endpoint, reconnectBackoffBaseMs: 100, reconnectBackoffMaxMs: 500 });
  });

  after(async () => {
    client?.close();
    await env?.down();
  });

  it('reconnects after containerd is killed and restarted, without a new client', async () => {
    const sb = sandboxConfig(env.dir, 'survivor', true);
    const podId = await client.runPodSandbox(sb);
    const cid = await client.createContainer(podId, containerConfig(sb, 'main', env.busyboxImage, ['sleep', '3600']), sb);
    await client.startContainer(cid);
    const before = (await client.version()).runtimeVersion;

    await env.kill();
    // While the runtime is gone, calls fail within their deadline instead of hanging.
    await assert.rejects(client.version({ timeoutMs: 500 }), (e: unknown) => e instanceof DeadlineExceededError || e instanceof UnavailableError);

    // A call issued during the outage completes once the runtime is back.
    const pending = client.listContainers({ podSandboxId: podId }, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    await env.start();
    const listed = await pending;
    assert.deepEqual(listed.map((c) => c.id), [cid]);

    assert.equal((await client.version()).runtimeVersion, before);
    // The shim survived, so the container is still running and reachable.
    assert.equal((await client.containerStatus(cid)).state, 'running');
    assert.equal((await client.execSync(cid, ['echo', 'still here'], 5)).stdout.toString(), 'still here\n');

    await client.stopPodSandbox(podId);
    await client.removePodSandbox(podId);
  });
});
