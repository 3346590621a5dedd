import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileSchema } from '../../../src/validation/compile.js';
import { bundledSchema, type RootKind, type SchemaDocument } from '../../../src/validation/schema.js';
import { basePod, podWith } from './helpers.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const root = repoRoot();
const OUTPUT = join('src', 'validation', 'generated', 'kubernetes-v1.36.ts');

test('the committed validators are what ajv generates from the committed schema, byte for byte', () => {
  const out = mkdtempSync(join(tmpdir(), 'staticlet-gen-validators-'));
  try {
    execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'gen-validators.js'), '--out-dir', out], { stdio: 'pipe' });
    assert.ok(readFileSync(join(out, OUTPUT)).equals(readFileSync(join(root, OUTPUT))), `${OUTPUT} differs from a fresh generation: run npm run gen:validators`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the generated validators and a run-time compile of the same schema give the same verdicts', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schemas', 'kubernetes-v1.36.json'), 'utf8')) as SchemaDocument;
  // Same origin and label: only the validators differ (the cluster origin would suffix messages).
  const compiled = compileSchema(schema, { origin: 'bundled', label: 'x', id: 'x' });
  const docs: Array<[unknown, RootKind]> = [
    [basePod(), 'Pod'],
    [
      podWith((p) => {
        p.extra = 1;
        p.metadata.labelz = {};
        p.spec.containers[0].resources.limits = { cpu: '0.1n', memory: 1.5 };
        p.spec.containers[0].ports = [{ containerPort: 1.5, protocol: 'SCTPX' }];
        p.spec.containers[0].livenessProbe.httpGet.port = 2 ** 40;
        p.metadata.creationTimestamp = 'yesterday';
        p.spec.restartPolicy = 7;
      }),
      'Pod',
    ],
    [{ apiVersion: 'v1', kind: 'PodList', items: [basePod(), { spec: { containers: [{ name: 'a', resources: { requests: { cpu: '1e-12' } } }] } }] }, 'PodList'],
  ];
  for (const [doc, kind] of docs) assert.deepEqual(bundledSchema().check(doc, kind), compiled.check(doc, kind));
});
