import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

test('one indentation mistake gives one error quoting the line, not several', async () => {
  const dir = await tempDir();
  try {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: busybox\n     command: ["sleep", "1"]\n';
    await writeFile(join(dir.path, 'web.yaml'), text);
    await writeFile(join(dir.path, 'list.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    a: b\n   c: d\nspec: {}\n');
    const r = await runCli(['validate', '-o', 'json', dir.path]);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as { files: Array<{ file: string; errors: Array<{ path: string; message: string }> }> };
    const byName = new Map(doc.files.map((f) => [f.file.replace(/.*\//, ''), f.errors.map((e) => e.message)]));
    assert.deepEqual(byName.get('web.yaml'), [
      'cannot parse YAML at line 9: "     command: [\\"sleep\\", \\"1\\"]" is indented 5 spaces, the keys of the mapping above it (line 8: "    image: busybox") 4; keys of one mapping must start in the same column',
    ]);
    // An under-indented key: yaml's own message, positioned, with the line quoted.
    assert.deepEqual(byName.get('list.yaml')?.length, 1);
    assert.match(byName.get('list.yaml')![0]!, /^cannot parse YAML: .* at line 7, column \d+: " {3}c: d"$/);
  } finally {
    await dir.cleanup();
  }
});

test('gen:schemas without the reference document says where it is expected, with no stack trace', () => {
  const script = fileURLToPath(new URL('../../../scripts/gen-schemas.js', import.meta.url));
  for (const [args, env] of [[[], { STATICLET_SWAGGER: '/nonexistent/swagger.json' }], [['--input', '/nonexistent/swagger.json'], {}]] as const) {
    const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^gen-schemas: the Kubernetes OpenAPI \(swagger\) document was not found at \/nonexistent\/swagger\.json\n/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
