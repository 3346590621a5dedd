import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { podYaml, tempDir } from '../../helpers/manifests.js';

const THREE_MISTAKES = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: staticlet.local/busybox:1.36
      ports:
        - containerPort: 70000
      livenessProbe:
        exec: { command: ["true"] }
        successThreshold: 2
      imagePullPolicy: Sometimes
`;

describe('staticlet validate', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir();
    await writeFile(join(dir.path, 'bad.yaml'), THREE_MISTAKES);
    await writeFile(join(dir.path, 'good.yaml'), podYaml('good'));
    await writeFile(join(dir.path, 'dup.yaml'), podYaml('good', { command: 'sleep 1' }));
  });
  after(() => dir.cleanup());

  test('the example manifests are valid', async () => {
    const r = await runCli(['validate', 'manifests/']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /manifests\/coredns\.yaml: valid \(1 pod: kube-system\/coredns-/);
    assert.match(r.stdout, /3 manifests valid/);
  });

  test('a file with three mistakes prints all three with JSON paths and exits 1', async () => {
    const r = await runCli(['validate', join(dir.path, 'bad.yaml')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /bad\.yaml: invalid, 3 errors$/);
    assert.ok(lines.some((l) => /^ {2}spec\.containers\[0\]\.ports\[0\]\.containerPort: /.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^ {2}spec\.containers\[0\]\.livenessProbe\.successThreshold: /.test(l)), r.stdout);
    assert.ok(lines.some((l) => /^ {2}spec\.containers\[0\]\.imagePullPolicy: /.test(l)), r.stdout);
  });

  test('--output json is machine-readable and reports duplicates across files', async () => {
    const r = await runCli(['validate', '--output', 'json', '--hostname-override', 'edge-1', dir.path]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { valid: boolean; files: Array<{ file: string; valid: boolean; pods: Array<{ name: string }>; errors: Array<{ path: string; message: string }> }> };
    assert.equal(report.valid, false);
    const byName = Object.fromEntries(report.files.map((f) => [f.file.slice(f.file.lastIndexOf('/') + 1), f]));
    assert.equal(byName['bad.yaml']!.errors.length, 3);
    // dup.yaml sorts before good.yaml, so it is seen first and keeps the name, as in `run`.
    assert.equal(byName['dup.yaml']!.valid, true);
    assert.equal(byName['dup.yaml']!.pods[0]!.name, 'good-edge-1');
    assert.equal(byName['good.yaml']!.valid, false);
    assert.match(byName['good.yaml']!.errors[0]!.message, /duplicate pod default\/good-edge-1: already defined by .*dup\.yaml/);
  });

  test('--config applies the config file: its node name and allowedUnsafeSysctls', async () => {
    const sysctl = `apiVersion: v1
kind: Pod
metadata:
  name: tuned
spec:
  securityContext:
    sysctls: [{name: net.core.somaxconn, value: "1024"}]
  containers:
    - name: app
      image: staticlet.local/busybox:1.36
`;
    const file = join(dir.path, 'sysctl', 'tuned.yaml');
    await mkdir(join(dir.path, 'sysctl'));
    await writeFile(file, sysctl);
    const plain = await runCli(['validate', file]);
    assert.equal(plain.code, 1, plain.stdout);
    assert.match(plain.stdout, /spec\.securityContext\.sysctls\[0\]/);
    const config = join(dir.path, 'kubelet.yaml');
    await writeFile(config, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nallowedUnsafeSysctls: ["net.core.*"]\n');
    const withConfig = await runCli(['validate', '--config', config, '--hostname-override', 'edge-2', file]);
    assert.equal(withConfig.code, 0, withConfig.stdout + withConfig.stderr);
    assert.match(withConfig.stdout, /tuned-edge-2/);
    assert.equal((await runCli(['validate', '--config', join(dir.path, 'missing.yaml'), file])).code, 2);
  });

  test('usage errors exit 2', async () => {
    assert.equal((await runCli(['validate'])).code, 2);
    assert.equal((await runCli(['validate', '/nonexistent/x.yaml'])).code, 2);
    assert.equal((await runCli(['validate', '--output', 'xml', 'manifests/'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
  });
});
