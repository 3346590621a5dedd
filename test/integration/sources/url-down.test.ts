/**
 * A node that boots while its manifest URL is down, as the kubelet's HTTP source: the URL has
 * not listed until one fetch succeeds, so the pods it ran before are left running (not taken
 * for deleted), while the manifest directory's pods start at once. When the URL answers, its
 * pods are adopted unchanged; once listed, a pod it no longer serves goes.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor } from '../../helpers/supervisor.js';

const pod = (name: string): string =>
  manifest(name, ['  terminationGracePeriodSeconds: 1', '  containers:', '  - name: app', `    image: ${BUSYBOX}`, '    command: [sleep, "3600"]', ''].join('\n'));

describe('a manifest URL that is down when staticlet starts', () => {
  let env: ContainerdEnv;
  let server: Server;
  /** What the URL answers: a manifest, or an HTTP error status. */
  let answer: string | number = pod('from-url');
  let url = '';
  before(async () => {
    env = await startContainerd();
    server = createServer((_req, res) => {
      if (typeof answer === 'number') {
        res.statusCode = answer;
        res.end();
      } else res.end(answer);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pods`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await env?.down();
  });

  test("its running pods are kept until it answers, then adopted; the directory's pods run meanwhile", async () => {
    const settings = { staticPodURL: url, httpCheckFrequencyMs: 500 };
    const first = await startSupervisor(env, { settings });
    const dir = first.dir;
    let uid: string;
    let containerID: string | undefined;
    try {
      const p = await first.waitPod('from-url', (x) => cs(x, 'app')?.state?.running !== undefined, 30_000);
      uid = p.metadata!.uid!;
      containerID = cs(p, 'app')?.containerID;
    } finally {
      await first.stop();
    }

    // Down at boot: every fetch fails until it comes back.
    answer = 503;
    const second = await startSupervisor(env, { dir, settings });
    try {
      await second.write('local.yaml', pod('local'));
      await second.waitPod('local', (x) => cs(x, 'app')?.state?.running !== undefined, 30_000);
      // Several failed polls later, the URL's pod still runs the same container.
      await sleep(2_500);
      const held = await second.objects(uid);
      assert.deepEqual(held.containers.map((c) => `containerd://${c.id}:${c.state}`), [`${containerID}:running`], 'not stopped as an orphan');
      assert.match(JSON.stringify(second.sup.rejections()), /HTTP 503/, 'the failing URL shows in the status');

      answer = pod('from-url');
      const adopted = await second.waitPod('from-url', (x) => x.status?.phase === 'Running' && cs(x, 'app')?.ready === true, 10_000);
      assert.equal(adopted.metadata?.uid, uid);
      assert.equal(cs(adopted, 'app')?.containerID, containerID, 'adopted, not restarted');
      assert.equal(cs(adopted, 'app')?.restartCount, 0);

      // Listed now: a pod the URL no longer serves is torn down.
      answer = pod('other');
      await second.waitPod('other', (x) => cs(x, 'app')?.state?.running !== undefined, 30_000);
      await eventually(async () => (await second.objects(uid)).containers.length === 0, { timeoutMs: 15_000, what: 'the pod the URL dropped to go' });
    } finally {
      await second.stop();
      await env.removeAllPods();
    }
  });
});
