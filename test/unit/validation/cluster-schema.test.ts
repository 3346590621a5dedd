// The cluster's own schema: the emulator's v3 document (rebuilt from the bundled file) converts
// back to verdicts equal to the bundled schema's, a field the cluster lacks is refused with the
// cluster named, and the config pipeline re-validates what it accepted when the schema changes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundledSchema } from '../../../src/validation/schema.js';
import { schemaFromDocument } from '../../../src/controlplane/cluster-schema.js';
import { openapiDocument } from '../../support/apiserver/openapi.js';
import { ConfigPipeline } from '../../../src/config/pipeline.js';
import { DesiredState } from '../../../src/config/desired-state.js';
import { ManifestLoader } from '../../../src/config/manifest.js';
import { SchemaHolder } from '../../../src/config/schema-provider.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { ManifestSource, SourceBatch } from '../../../src/sources/types.js';
import { basePod, type Doc } from './helpers.js';

const cluster = (removeFields: string[] = []) => schemaFromDocument(openapiDocument('api/v1', 'v1.36.0', { removeFields }), '/openapi/v3/api/v1');

function variants(): Array<[string, Doc]> {
  const out: Array<[string, Doc]> = [['valid', basePod()]];
  const add = (what: string, edit: (p: Doc) => void) => {
    const p = basePod();
    edit(p);
    out.push([what, p]);
  };
  add('unknown field', (p) => (p.spec.containers[0].imagePullPolicyy = 'Always'));
  add('wrong type', (p) => (p.spec.terminationGracePeriodSeconds = 'thirty'));
  add('enum', (p) => (p.spec.restartPolicy = 'Sometimes'));
  add('int32 overflow', (p) => (p.spec.containers[0].ports = [{ containerPort: 3_000_000_000 }]));
  add('bad quantity', (p) => (p.spec.containers[0].resources = { limits: { cpu: 'lots' } }));
  add('missing required', (p) => delete p.spec.containers[0].name);
  add('bad date', (p) => (p.metadata.creationTimestamp = 'yesterday'));
  return out;
}

test('the emulator’s whole v3 document gives the bundled verdicts, the cluster named in its messages', () => {
  const c = cluster();
  assert.equal(c.origin, 'cluster');
  assert.notEqual(c.id, bundledSchema().id);
  for (const [what, doc] of variants()) {
    const b = bundledSchema().check(doc, 'Pod').errors;
    const k = c.check(doc, 'Pod').errors;
    assert.deepEqual(
      k.map((e) => ({ path: e.path, message: e.message.replace(` (${c.label})`, '') })),
      b,
      what,
    );
    for (const e of k) assert.ok(e.message.endsWith(`(${c.label})`), `${what}: ${e.message}`);
  }
  assert.equal(c.label, "the cluster's schema, Kubernetes v1.36.0");
});

test('a field the cluster’s schema lacks is refused with it, accepted by the bundled schema', () => {
  const pod = basePod();
  pod.spec.hostUsers = true;
  assert.deepEqual(bundledSchema().check(pod, 'Pod').errors, []);
  const c = cluster(['io.k8s.api.core.v1.PodSpec.hostUsers']);
  assert.deepEqual(c.check(pod, 'Pod').errors, [{ path: 'spec.hostUsers', message: `unknown field "hostUsers" (${c.label})` }]);
  // The same content is the same schema: a reconnection does not re-validate for nothing.
  assert.equal(cluster(['io.k8s.api.core.v1.PodSpec.hostUsers']).id, c.id);
  assert.notEqual(cluster().id, c.id);
});

test('OpenAPI v2 (swagger) converts to the bundled verdicts too', { skip: !existsSync(swaggerPath()) && 'no ../shared/reference/kubernetes/swagger-v1.36.json' }, () => {
  const c = schemaFromDocument(JSON.parse(readFileSync(swaggerPath(), 'utf8')), '/openapi/v2');
  for (const [what, doc] of variants()) {
    assert.deepEqual(c.check(doc, 'Pod').errors.map((e) => ({ path: e.path, message: e.message.replace(` (${c.label})`, '') })), bundledSchema().check(doc, 'Pod').errors, what);
  }
});

test('a document without a usable Pod schema is refused as a whole', () => {
  assert.throws(() => schemaFromDocument({ openapi: '3.0.0', components: { schemas: {} } }, '/openapi/v3/api/v1'), /no definition of v1 Pod/);
  assert.throws(() => schemaFromDocument({ nothing: true }, '/openapi/v2'), /no schema definitions/);
  assert.throws(() => schemaFromDocument('<html>', '/openapi/v2'), /no schema definitions/);
  // Formats the decoder does not check (byte, double) are not refusals and do not break ajv's strict mode.
  const doc = openapiDocument('api/v1', 'v1.36.0') as { components: { schemas: Record<string, { properties?: Record<string, { format?: string }> }> } };
  doc.components.schemas['io.k8s.api.core.v1.Container']!.properties!['image']!.format = 'byte';
  assert.deepEqual(schemaFromDocument(doc, 'x').check(basePod(), 'Pod').errors, []);
});

test('a quantity finer than 1n is accepted with a warning (the API server rounds it up), under either schema', () => {
  for (const s of [bundledSchema(), cluster()]) {
    const pod = basePod();
    pod.spec.containers[0].resources = { requests: { cpu: '0.1n', memory: '100Mi' }, limits: { cpu: 1e-12, memory: '0.5Ki' } };
    const v = s.check(pod, 'Pod');
    assert.deepEqual(v.errors, []);
    assert.deepEqual(v.warnings.map((w) => w.path), ['spec.containers[0].resources.limits[cpu]', 'spec.containers[0].resources.requests[cpu]']);
    assert.match(v.warnings[0]!.message, /rounded up to a multiple of 1n/);
  }
});

/** A source holding fixed files that re-reports them all when asked. */
class MemorySource implements ManifestSource {
  readonly kind = 'file' as const;
  readonly name = 'file:/m';
  rereads = 0;
  private onBatch: ((b: SourceBatch) => void) | undefined;
  constructor(readonly files: Map<string, string>) {}
  async start(onBatch: (b: SourceBatch) => void): Promise<void> {
    this.onBatch = onBatch;
    this.report();
  }
  async resync(): Promise<void> {}
  async reread(): Promise<void> {
    this.rereads++;
    this.report();
  }
  async stop(): Promise<void> {}
  private report(): void {
    this.onBatch?.({ updates: [...this.files].map(([location, text]) => ({ location, content: Buffer.from(text) })), full: true });
  }
}

test('the cluster’s schema arriving re-validates accepted manifests: one now refused keeps its pod, shown as refused', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()) });
  const schema = new SchemaHolder();
  const state = new DesiredState(['file:/m']);
  const pipeline = new ConfigPipeline(new ManifestLoader({ nodeName: 'n1', schema }), state, createLogger({ format: 'json', destination, level: 'info' }));
  const users = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'users' }, spec: { hostUsers: true, containers: [{ name: 'c', image: 'busybox' }] } });
  const plain = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const source = new MemorySource(new Map([['/m/users.json', users], ['/m/plain.json', plain]]));
  await pipeline.add(source);
  assert.deepEqual(state.pods().map((p) => p.pod.metadata?.name).sort(), ['plain-n1', 'users-n1']);
  const uid = state.pods().find((p) => p.pod.metadata?.name === 'users-n1')!.uid;
  const c = cluster(['io.k8s.api.core.v1.PodSpec.hostUsers']);
  schema.use(c);
  await pipeline.revalidated();
  assert.equal(source.rereads, 1);
  const [r] = state.rejections();
  assert.equal(r?.source.location, '/m/users.json');
  assert.deepEqual(r?.errors.map((e) => [e.path, e.message]), [['spec.hostUsers', `unknown field "hostUsers" (${c.label})`]]);
  // A broken manifest never disturbs running pods: its last accepted version stays desired.
  assert.deepEqual(r?.keptPods, [uid]);
  assert.deepEqual(state.pods().map((p) => p.pod.metadata?.name).sort(), ['plain-n1', 'users-n1']);
  // The same schema again changes nothing.
  schema.use(cluster(['io.k8s.api.core.v1.PodSpec.hostUsers']));
  await pipeline.revalidated();
  assert.equal(source.rereads, 1);
  assert.equal(lines.filter((l) => l['msg'] === 'manifest schema changed; validating every manifest again').length, 1);
  await pipeline.stop();
});

function swaggerPath(): string {
  return fileURLToPath(new URL('../../../../../shared/reference/kubernetes/swagger-v1.36.json', import.meta.url));
}
