// The cluster's own schema (issue 16, item 6), against the kube-apiserver emulator: its OpenAPI
// v3 document serves the bundled Pod schemas with `PodSpec.hostUsers` removed, so a manifest
// using that field is refused when connected (file, JSON path, the cluster's schema named) and
// accepted with the bundled schema; an emulator without schemas, or without /openapi at all,
// leaves the bundled schema in use with one warning. One test per case.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer, type OpenApiOptions } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually } from '../../helpers/manifests.js';
import { runCli } from '../../helpers/cli.js';
import { formatManifestError } from '../../../src/config/manifest.js';
import { SchemaHolder } from '../../../src/config/schema-provider.js';
import { loadClients } from '../../../src/controlplane/client.js';
import { syncClusterSchema } from '../../../src/controlplane/cluster-schema.js';
import { createLogger } from '../../../src/logging/logger.js';

const REMOVED = 'io.k8s.api.core.v1.PodSpec.hostUsers';
const LABEL = "the cluster's schema, Kubernetes v1.36.0";
const HOST_USERS = (name: string) => manifest(name, ['  hostUsers: true', '  containers:', '    - name: main', `      image: ${BUSYBOX}`, '      command: ["sleep", "3600"]', ''].join('\n'));

describe('the cluster’s schema: a supervisor connected to the emulator', { timeout: 120_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let dir: string;

  before(async () => {
    api = await startApiServer({ openapi: { removeFields: [REMOVED] } });
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    dir = join(env.dir, `schema-${process.pid}`);
    // Read before the control plane starts: accepted with the bundled schema first.
    await mkdir(join(dir, 'manifests'), { recursive: true });
    await writeFile(join(dir, 'manifests', 'early.yaml'), HOST_USERS('early'));
    h = await startSupervisor(env, { dir, settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 1_000, nodeStatusReportFrequencyMs: 60_000 } });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test('a manifest using a field the cluster’s schema lacks is refused when connected: file, JSON path, the cluster’s schema', async () => {
    await eventually(() => h.sup.schema.current().origin === 'cluster', { timeoutMs: 20_000, what: "the cluster's schema in use" });
    assert.equal(h.sup.schema.current().label, LABEL);
    await h.write('late.yaml', HOST_USERS('late'));
    const r = await eventually(() => h.sup.desired.rejections().find((x) => x.source.location.endsWith('late.yaml')), { timeoutMs: 5_000, what: 'late.yaml refused' });
    assert.deepEqual(r.errors.map(formatManifestError), [`${join(h.manifests, 'late.yaml')}: spec.hostUsers: unknown field "hostUsers" (${LABEL})`]);
    assert.deepEqual(r.keptPods, []);
    assert.equal(h.pod('late'), undefined, 'no pod for a refused manifest');
    assert.equal(api.get('Pod', 'default', `late-${NODE}`), undefined, 'and no mirror pod');
  });

  test('a manifest accepted with the bundled schema and refused by the cluster’s once it arrives: reported, its pod left running', async () => {
    const r = await eventually(() => h.sup.desired.rejections().find((x) => x.source.location.endsWith('early.yaml')), { timeoutMs: 20_000, what: 'early.yaml refused after re-validation' });
    assert.deepEqual(r.errors.map((e) => [e.path, e.message]), [['spec.hostUsers', `unknown field "hostUsers" (${LABEL})`]]);
    // The rule for any manifest edited into an invalid one: its last accepted pod stays.
    assert.equal(r.keptPods.length, 1);
    const pod = await h.waitPod('early', (p) => p.status?.phase === 'Running', 60_000);
    assert.equal(pod.metadata?.uid, r.keptPods[0]);
    assert.equal(pod.spec?.hostUsers, true);
  });
});

describe('the cluster’s schema unavailable: the bundled one, one warning', { timeout: 60_000 }, () => {
  const servers: ApiServer[] = [];
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'stl-schema-'));
    await writeFile(join(tmp, 'pod.yaml'), HOST_USERS('web'));
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  async function emulator(openapi: OpenApiOptions) {
    const api = await startApiServer({ openapi, tokens: { t: { user: 'admin', groups: ['system:masters'] } } });
    servers.push(api);
    return { api, kubeconfig: await api.kubeconfig('admin') };
  }

  /** The control plane's loop against an emulator, with its log captured. */
  async function sync(kubeconfig: string, signal = new AbortController().signal) {
    const lines: Array<{ level: number; msg: string }> = [];
    const destination = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as { level: number; msg: string }), cb()) });
    const holder = new SchemaHolder();
    const clients = loadClients({ kubeconfig, qps: 50, burst: 100, heartbeatTimeoutMs: 5_000 });
    const done = syncClusterSchema({ config: clients.config, sink: holder, logger: createLogger({ format: 'json', destination, level: 'info' }), signal });
    return { lines, holder, done, warnings: () => lines.filter((l) => /cannot use the cluster's OpenAPI schema/.test(l.msg)) };
  }

  test('emulator serving OpenAPI v3 without schemas → bundled schema, one warning', async () => {
    const { kubeconfig } = await emulator({ schemas: false });
    const s = await sync(kubeconfig);
    await s.done;
    assert.equal(s.holder.current().origin, 'bundled');
    assert.equal(s.warnings().length, 1);
    assert.match(JSON.stringify(s.lines), /no definition of v1 Pod/);
  });

  test('emulator without /openapi (404) → bundled schema, one warning', async () => {
    const { api, kubeconfig } = await emulator({ serve: false });
    const s = await sync(kubeconfig);
    await s.done;
    assert.equal(s.holder.current().origin, 'bundled');
    assert.equal(s.warnings().length, 1);
    assert.deepEqual(api.requests.filter((r) => r.path.startsWith('/openapi')).map((r) => [r.path, r.status]), [['/openapi/v3', 404], ['/openapi/v2', 404]]);
  });

  test('API server answering 503: bundled schema with one warning through the retries, the cluster’s once it answers', async () => {
    const { api, kubeconfig } = await emulator({ removeFields: [REMOVED] });
    await api.fault({ status: 503, match: { path: /^\/openapi/ } });
    const stop = new AbortController();
    const s = await sync(kubeconfig, stop.signal);
    await eventually(() => api.requests.filter((r) => r.path === '/openapi/v3' && r.status === 503).length >= 2, { timeoutMs: 10_000, what: 'a retry' });
    assert.equal(s.holder.current().origin, 'bundled');
    await api.fault(null);
    await eventually(() => s.holder.current().origin === 'cluster', { timeoutMs: 10_000, what: "the cluster's schema after the outage" });
    await s.done;
    assert.equal(s.warnings().length, 1);
    assert.ok(s.lines.some((l) => /available now/.test(l.msg)));
  });

  test('staticlet validate --kubeconfig refuses the manifest with the cluster’s schema (exit 1); without it, or with no /openapi, the bundled one accepts it', async () => {
    const { kubeconfig } = await emulator({ removeFields: [REMOVED] });
    const file = join(tmp, 'pod.yaml');
    const connected = await runCli(['validate', '--kubeconfig', kubeconfig, file]);
    assert.equal(connected.code, 1, connected.stderr);
    assert.match(connected.stdout, new RegExp(`${file}: invalid, 1 error\\n  spec\\.hostUsers: unknown field "hostUsers" \\(${LABEL}\\)`));
    assert.equal(connected.stderr, '');
    const json = await runCli(['validate', '--kubeconfig', kubeconfig, '-o', 'json', file]);
    assert.equal(json.code, 1);
    const standalone = await runCli(['validate', file]);
    assert.equal(standalone.code, 0, standalone.stdout);
    const { kubeconfig: bare } = await emulator({ serve: false });
    const fallback = await runCli(['validate', '--kubeconfig', bare, file]);
    assert.equal(fallback.code, 0, fallback.stdout);
    assert.equal(fallback.stderr.trim().split('\n').length, 1, fallback.stderr);
    assert.match(fallback.stderr, /warning: cannot use the cluster's OpenAPI schema .*; validating with the bundled Kubernetes 1\.36 schema/);
  });
});
