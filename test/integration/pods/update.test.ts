import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

describe('updates, re-adds and termination', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  withSupervisor({ crashBackoffBaseMs: 1_000 }, (x, e) => {
    h = x;
    env = e;
  });

  const objects = (uid: string) => h.objects(uid);
  const web = (cmd: string): string =>
    manifest('web', `  terminationGracePeriodSeconds: 2\n  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "${cmd}"]}\n`);

  test('editing a manifest replaces the pod once; an invalid edit leaves it running', async () => {
    await h.write('web.yaml', web('exec sleep 3600'));
    const v1 = await h.waitPod('web', (p) => p.status?.phase === 'Running');
    const uid1 = v1.metadata!.uid!;
    await h.write('web.yaml', web('echo v2; exec sleep 3600'));
    const v2 = await h.waitPod('web', (p) => p.metadata?.uid !== uid1 && p.status?.phase === 'Running', 20_000);
    const uid2 = v2.metadata!.uid!;
    await eventually(async () => (await objects(uid1)).sandboxes.length === 0, { timeoutMs: 15_000, what: 'old pod removed' });
    const now = await objects(uid2);
    assert.equal(now.sandboxes.length, 1, 'one sandbox for the new pod');
    assert.equal(now.sandboxes[0]!.metadata.attempt, 0, 'the new sandbox was created once');
    assert.equal(now.containers.length, 1);
    assert.equal(h.sup.listPods().filter((p) => p.metadata?.name === 'web-node-1').length, 1);
    const containerId = now.containers[0]!.id;

    await h.write('web.yaml', web('exec sleep 3600').replace('image:', 'imagee:'));
    await eventually(() => h.sup.rejections().length === 1, { what: 'rejection' });
    await new Promise((r) => setTimeout(r, 1_500));
    const still = h.pod('web')!;
    assert.equal(still.metadata?.uid, uid2);
    assert.equal(still.status?.phase, 'Running');
    assert.equal(cs(still, 'app')?.containerID, `containerd://${containerId}`);
    assert.deepEqual(h.sup.rejections()[0]!.keptPods, ['default/web-node-1']);
    assert.ok(h.sup.events(uid2).some((e) => e.reason === 'ManifestRejected' && e.type === 'Warning'));
    await h.remove('web.yaml');
    await eventually(async () => (await objects(uid2)).sandboxes.length === 0, { timeoutMs: 15_000, what: 'pod removed' });
  });

  test('removed and added back unchanged: same UID, running, restartCount 1, and it stays running', async () => {
    const text = manifest('again', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`);
    await h.write('again.yaml', text);
    const first = await h.waitPod('again', (p) => p.status?.phase === 'Running');
    const uid = first.metadata!.uid!;
    await h.remove('again.yaml');
    await eventually(async () => (await objects(uid)).sandboxes.length === 0 && h.pod('again') === undefined, { timeoutMs: 15_000, what: 'pod removed' });
    await h.write('again.yaml', text);
    const back = await h.waitPod('again', (p) => p.status?.phase === 'Running' && cs(p, 'app')?.state?.running !== undefined);
    assert.equal(back.metadata?.uid, uid);
    assert.equal(cs(back, 'app')?.restartCount, 1);
    await new Promise((r) => setTimeout(r, 2_000));
    const later = h.pod('again')!;
    assert.equal(later.status?.phase, 'Running');
    assert.equal(cs(later, 'app')?.restartCount, 1);
    assert.equal(cs(later, 'app')?.containerID, cs(back, 'app')?.containerID);
    await h.remove('again.yaml');
  });

  test('preStop runs before SIGTERM; a container ignoring SIGTERM is killed after its grace period', async () => {
    const shared = await mkdtemp(join(env.dir, 'hook-'));
    await h.write('stop.yaml', manifest('stop', [
      '  terminationGracePeriodSeconds: 3',
      '  containers:',
      `  - name: polite`,
      `    image: ${BUSYBOX}`,
      `    command: [sh, -c, "trap 'echo TERM >> /shared/log; exit 0' TERM; while true; do sleep 0.2; done"]`,
      '    lifecycle: {preStop: {exec: {command: [sh, -c, "echo preStop >> /shared/log"]}}}',
      '    volumeMounts: [{name: shared, mountPath: /shared}]',
      `  - name: stubborn`,
      `    image: ${BUSYBOX}`,
      `    command: [sh, -c, "trap '' TERM; while true; do sleep 0.2; done"]`,
      `  volumes: [{name: shared, hostPath: {path: ${shared}, type: Directory}}]`,
      '',
    ].join('\n')));
    const p = await h.waitPod('stop', (x) => x.status?.phase === 'Running');
    const uid = p.metadata!.uid!;
    const ids = Object.fromEntries((await objects(uid)).containers.map((c) => [c.labels['io.kubernetes.container.name'], c.id]));
    const removedAt = Date.now();
    await h.remove('stop.yaml');
    const finished = await eventually(
      async () => {
        const out: Record<string, number> = {};
        for (const [name, id] of Object.entries(ids)) {
          const st = await h.runtime.containerStatus(id!).catch(() => undefined);
          if (st?.state === 'exited') out[name] = st.finishedAt;
        }
        return Object.keys(out).length === 2 ? out : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 20, what: 'both containers exited' },
    );
    assert.equal(await readFile(join(shared, 'log'), 'utf8'), 'preStop\nTERM\n');
    assert.ok(finished.polite! - removedAt < 1_500, `polite container stopped quickly (${finished.polite! - removedAt} ms)`);
    const stubborn = finished.stubborn! - removedAt;
    assert.ok(stubborn >= 2_900 && stubborn < 5_000, `stubborn container killed after its 3 s grace period (${stubborn} ms)`);
    const killing = h.sup.events(uid).filter((e) => e.reason === 'Killing');
    assert.equal(killing.length, 2);
  });
});
