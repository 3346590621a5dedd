import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const root = repoRoot();
const swagger = process.env['STATICLET_SWAGGER'] ?? resolve(root, '..', 'shared', 'reference', 'kubernetes', 'swagger-v1.36.json');
const generator = join(root, 'dist', 'scripts', 'gen-schemas.js');
const OUTPUTS = [join('schemas', 'kubernetes-v1.36.json'), join('src', 'api', 'generated', 'core-v1.ts')];

test('the schema generator reproduces the committed files byte for byte', (t) => {
  if (!existsSync(swagger)) {
    t.skip(`OpenAPI document not available at ${swagger}`);
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'staticlet-gen-'));
  try {
    execFileSync(process.execPath, [generator, '--input', swagger, '--out-dir', out], { stdio: 'pipe' });
    for (const rel of OUTPUTS) {
      assert.ok(readFileSync(join(out, rel)).equals(readFileSync(join(root, rel))), `${rel} differs from a fresh generation: run npm run gen:schemas`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the committed schema keeps facts only and is strict', () => {
  const schema = JSON.parse(readFileSync(join(root, OUTPUTS[0]!), 'utf8')) as { definitions: Record<string, Record<string, unknown>> };
  const defs = schema.definitions;
  assert.ok(Object.keys(defs).length >= 130, 'Pod, PodList and their transitive references');
  for (const name of ['Pod', 'PodList', 'PodSpec', 'Container', 'ObjectMeta', 'Probe', 'Volume', 'Toleration']) assert.ok(defs[name], name);
  const text = JSON.stringify(schema);
  assert.ok(!text.includes('"description"'));
  assert.ok(!text.includes('x-kubernetes'));
  for (const [name, d] of Object.entries(defs)) {
    if (d['properties'] !== undefined) assert.equal(d['additionalProperties'], false, `${name} must refuse unknown fields`);
  }
  assert.deepEqual(defs['IntOrString'], { format: 'int-or-string', type: ['integer', 'string'] });
  assert.deepEqual(defs['Quantity'], { format: 'quantity', type: ['string', 'number'] });
});
