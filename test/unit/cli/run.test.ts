import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliProcess, runCli } from '../../helpers/cli.js';
import { podYaml, tempDir } from '../../helpers/manifests.js';

describe('staticlet run (manifest side)', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.cleanup());

  test('logs added, rejected (keeping the pod), updated and removed; SIGTERM exits 0', async () => {
    const manifests = join(dir.path, 'manifests');
    const cfg = join(dir.path, 'kubelet.yaml');
    await writeFile(cfg, `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: ${manifests}\nfileCheckFrequency: 1s\ncgroupDriver: systemd\n`);
    // No runtime here: run waits for one and keeps handling manifests meanwhile.
    const p = new CliProcess([
      'run', '--config', cfg, '--hostname-override', 'Edge-1', '--logging-format', 'json',
      '--root-dir', join(dir.path, 'root'), '--container-runtime-endpoint', `unix://${join(dir.path, 'no-runtime.sock')}`,
    ]);
    try {
      await p.waitFor((l) => l.msg === 'cgroupDriver: accepted for kubelet compatibility but ignored by staticlet');
      await p.waitFor((l) => l.msg === 'static pod path does not exist; waiting for it to appear');
      await p.waitFor((l) => l.msg === 'connecting to the container runtime');
      await mkdir(manifests);
      await writeFile(join(manifests, 'web.yaml'), podYaml('web'));
      const added = await p.waitFor((l) => l.msg === 'pod added');
      assert.equal(added.pod, 'default/web-edge-1');
      await writeFile(join(manifests, 'web.yaml'), podYaml('web').replace('image:', 'imagee:'));
      // writeFile truncates first: the watcher may catch the empty file (rejected as "contains no
      // documents") before the full text; wait for the rejection of the full text.
      const rejected = await p.waitFor((l) => l.msg === 'manifest rejected; its last accepted pods keep running' && JSON.stringify(l.errors).includes('imagee'));
      assert.deepEqual(rejected.keptPods, [added.uid]);
      const errors = (rejected.errors as string[]).join('\n');
      assert.match(errors, /web\.yaml: spec\.containers\[0\]\.imagee: unknown field "imagee"/);
      assert.match(errors, /web\.yaml: spec\.containers\[0\]\.image: required/);
      await writeFile(join(manifests, 'web.yaml'), podYaml('web', { command: 'sleep 5' }));
      const updated = await p.waitFor((l) => l.msg === 'pod updated');
      assert.equal(updated.previousUid, added.uid);
      await unlink(join(manifests, 'web.yaml'));
      await p.waitFor((l) => l.msg === 'pod removed');
    } finally {
      assert.equal(await p.stop(), 0);
    }
    assert.ok(p.lines.some((l) => l.msg === 'staticlet stopped; static pods are left running'));
  });

  test('an invalid config file is a usage error naming the field', async () => {
    const cfg = join(dir.path, 'bad-kubelet.yaml');
    await writeFile(cfg, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPth: /x\n');
    const r = await runCli(['run', '--config', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /staticPodPth: unknown field "staticPodPth"/);
  });
});
