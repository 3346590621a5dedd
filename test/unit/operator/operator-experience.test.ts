import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { podYaml, tempDir } from '../../helpers/manifests.js';
import { imageReferenceProblem } from '../../../src/validation/image-reference.js';

test('image references follow the runtimes grammar', () => {
  for (const ok of [
    'busybox',
    'busybox:1.36',
    'library/busybox:latest',
    'registry.k8s.io/etcd:3.5.21-0',
    'localhost:5000/a/b_c__d-e.f:v1',
    'localhost/x',
    '[::1]:5000/x',
    'Registry.Example.com/team/app:1',
    `busybox@sha256:${'a'.repeat(64)}`,
    `r.io/busybox:1.36@sha256:${'a'.repeat(64)}`,
  ]) {
    assert.equal(imageReferenceProblem(ok), undefined, ok);
  }
  assert.equal(imageReferenceProblem('Nginx:1.27'), 'repository name must be lowercase');
  assert.equal(imageReferenceProblem('r.io/Team/app'), 'repository name must be lowercase');
  assert.match(imageReferenceProblem('busybox:')!, /invalid tag/);
  assert.match(imageReferenceProblem('busybox:-x')!, /invalid tag/);
  assert.match(imageReferenceProblem('busybox@sha256:abc')!, /invalid digest/);
  assert.match(imageReferenceProblem('a//b')!, /empty path component/);
  assert.match(imageReferenceProblem('a/b/')!, /empty path component/);
  assert.match(imageReferenceProblem('bad_host.io:port/x')!, /invalid registry host/);
  assert.match(imageReferenceProblem('a b')!, /invalid path component/);
  assert.match(imageReferenceProblem('a'.repeat(64))!, /image ID/);
});

test('validate warns about an image reference the runtime will refuse, and still accepts the manifest', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, 'web.yaml'), podYaml('web', { image: 'Nginx:1.27' }));
    const r = await runCli(['validate', dir.path]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /web\.yaml: valid \(1 pod: default\/web-/);
    assert.match(r.stdout, /\n  warning: spec\.containers\[0\]\.image: "Nginx:1\.27" is not a valid image reference \(repository name must be lowercase\): the runtime will refuse it and the container will wait with InvalidImageName\n/);
    const j = await runCli(['validate', '-o', 'json', dir.path]);
    const doc = JSON.parse(j.stdout) as { files: Array<{ warnings?: Array<{ path: string }> }> };
    assert.deepEqual(doc.files[0]!.warnings?.map((w) => w.path), ['spec.containers[0].image']);
  } finally {
    await dir.cleanup();
  }
});

test('an unknown field suggests the nearest known one in validate', async () => {
  const dir = await tempDir();
  try {
    await writeFile(join(dir.path, 'web.yaml'), podYaml('web').replace('command:', 'comand:'));
    const r = await runCli(['validate', dir.path]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /spec\.containers\[0\]\.comand: unknown field "comand", did you mean "command"\?/);
  } finally {
    await dir.cleanup();
  }
});
