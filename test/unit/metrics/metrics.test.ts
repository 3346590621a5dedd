import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NodeMetrics } from '../../../src/metrics/index.js';
import { DEF_BUCKETS, IMAGE_PULL_BUCKETS, POD_STARTUP_BUCKETS, RUNTIME_OPERATION_BUCKETS } from '../../../src/metrics/buckets.js';
import { imageSizeRange, instrumentRuntime } from '../../../src/runtime/metrics.js';
import type { RuntimeClient } from '../../../src/runtime/index.js';
import type { Rejection } from '../../../src/config/desired-state.js';
import type { PodCounts } from '../../../src/pods/metrics.js';
import type { Summary } from '../../../src/stats/types.js';
import { bucketsOf, labelNamesOf, parseExposition, valueOf, type Family } from '../../helpers/exposition.js';

const counts: PodCounts = {
  runningPods: 3,
  containers: { running: 4, exited: 1 },
  desired: 4,
  active: 3,
  working: [
    { lifecycle: 'sync', config: 'desired', static: 'true', count: 4 },
    { lifecycle: 'terminating', config: 'orphan', static: 'true', count: 1 },
  ],
};

const rejection = (location: string, path: string, message: string): Rejection => ({
  source: { kind: 'file', location } as Rejection['source'],
  errors: [{ source: { kind: 'file', location } as Rejection['source'], path, message }],
  since: '2026-01-01T00:00:00Z',
  keptPods: [],
});

const summary: Summary = {
  node: { nodeName: 'node-1', startTime: '2026-01-01T00:00:00Z', cpu: { time: 't', usageCoreNanoSeconds: 5e9, usageNanoCores: 1e8 }, memory: { time: 't', workingSetBytes: 1024 } },
  pods: [
    {
      podRef: { name: 'web-node-1', namespace: 'default', uid: 'u1' },
      startTime: '2026-01-01T00:00:00Z',
      cpu: { time: 't', usageCoreNanoSeconds: 2e9 },
      memory: { time: 't', workingSetBytes: 512 },
      containers: [{ name: 'app', startTime: '2026-01-01T00:00:01Z', cpu: { time: 't', usageCoreNanoSeconds: 2e9 }, memory: { time: 't', workingSetBytes: 512 } }],
    },
  ],
};

function exercised(opts: { rejections?: Rejection[]; summary?: () => Promise<Summary> } = {}): NodeMetrics {
  let rejections = opts.rejections ?? [rejection('/m/bad.yaml', 'spec.containers[0].name', 'Required value')];
  const m = new NodeMetrics({
    nodeName: 'node-1',
    sources: { pods: () => ({ podCounts: () => counts }), rejections: () => rejections, mirrorPods: () => 2, summary: opts.summary ?? (async () => summary) },
  });
  m.runtime.observe('list_containers', 0.002, false);
  m.runtime.observe('run_podsandbox', 0.3, true);
  m.pods.workerSync('create', 0.1);
  m.pods.sandboxStarted(true);
  m.pods.sandboxStarted(false);
  m.pods.containerStarted('app');
  m.pods.containerStarted('init', 'ErrImagePull');
  m.pods.podRestarted();
  m.pods.podStarted(1.5, 1.2);
  for (const p of ['image', 'admission', 'sandbox', 'init', 'create', 'start', 'ready'] as const) m.pods.startPhase(p, 0.01);
  m.pods.relist(0.004, 1.0);
  m.imagePulls(2, 5 * 1024 * 1024);
  m.observeHttpRequest({ method: 'GET', path: 'metrics', serverType: 'readwrite', longRunning: false, seconds: 0.001 });
  const s = m.probes.series({ kind: 'readiness', container: 'app', pod: 'web-node-1', namespace: 'default', podUid: 'u1' });
  s.observe(true, 0.003);
  s.observe(false, 0.5);
  void (rejections = opts.rejections ?? rejections);
  return m;
}

function family(fams: Map<string, Family>, name: string, type: string, labels: string[]): Family {
  const f = fams.get(name);
  assert.ok(f, `${name} is exposed`);
  assert.equal(f.type, type, `${name} is a ${type}`);
  assert.deepEqual(labelNamesOf(f), [...labels].sort(), `${name} labels`);
  return f;
}

test('/metrics: the kubelet names, types, labels and buckets', async () => {
  const m = exercised();
  const text = await m.metricsText('metrics');
  assert.match(text.contentType, /^text\/plain; version=0\.0\.4/);
  const f = parseExposition(text.body);
  family(f, 'kubelet_node_name', 'gauge', ['node']);
  assert.equal(valueOf(f, 'kubelet_node_name', { node: 'node-1' }), 1);
  family(f, 'kubelet_running_pods', 'gauge', []);
  assert.equal(valueOf(f, 'kubelet_running_pods'), 3);
  family(f, 'kubelet_running_containers', 'gauge', ['container_state']);
  assert.equal(valueOf(f, 'kubelet_running_containers', { container_state: 'running' }), 4);
  assert.equal(valueOf(f, 'kubelet_running_containers', { container_state: 'created' }), 0);
  family(f, 'kubelet_desired_pods', 'gauge', ['static']);
  assert.equal(valueOf(f, 'kubelet_desired_pods', { static: 'true' }), 4);
  family(f, 'kubelet_active_pods', 'gauge', ['static']);
  assert.equal(valueOf(f, 'kubelet_active_pods', { static: 'true' }), 3);
  family(f, 'kubelet_mirror_pods', 'gauge', []);
  assert.equal(valueOf(f, 'kubelet_mirror_pods'), 2);
  family(f, 'kubelet_working_pods', 'gauge', ['config', 'lifecycle', 'static']);
  assert.equal(valueOf(f, 'kubelet_working_pods', { lifecycle: 'terminating', config: 'orphan' }), 1);
  assert.deepEqual(bucketsOf(family(f, 'kubelet_pod_start_duration_seconds', 'histogram', [])), POD_STARTUP_BUCKETS);
  assert.deepEqual(bucketsOf(family(f, 'kubelet_pod_start_sli_duration_seconds', 'histogram', [])), POD_STARTUP_BUCKETS);
  assert.deepEqual(bucketsOf(family(f, 'kubelet_pod_worker_duration_seconds', 'histogram', ['operation_type']), { operation_type: 'create' }), DEF_BUCKETS);
  family(f, 'kubelet_runtime_operations_total', 'counter', ['operation_type']);
  family(f, 'kubelet_runtime_operations_errors_total', 'counter', ['operation_type']);
  assert.equal(valueOf(f, 'kubelet_runtime_operations_errors_total', { operation_type: 'run_podsandbox' }), 1);
  const rt = bucketsOf(family(f, 'kubelet_runtime_operations_duration_seconds', 'histogram', ['operation_type']), { operation_type: 'list_containers' });
  assert.deepEqual(rt, RUNTIME_OPERATION_BUCKETS);
  assert.equal(rt.length, 14);
  assert.equal(rt[0], 0.005);
  assert.ok(Math.abs(rt[1]! - 0.0125) < 1e-12);
  family(f, 'kubelet_started_pods_total', 'counter', []);
  assert.equal(valueOf(f, 'kubelet_started_pods_total'), 2);
  family(f, 'kubelet_started_pods_errors_total', 'counter', []);
  assert.equal(valueOf(f, 'kubelet_started_pods_errors_total'), 1);
  family(f, 'kubelet_started_containers_total', 'counter', ['container_type']);
  assert.equal(valueOf(f, 'kubelet_started_containers_total', { container_type: 'init_container' }), 1);
  family(f, 'kubelet_started_containers_errors_total', 'counter', ['code', 'container_type']);
  assert.equal(valueOf(f, 'kubelet_started_containers_errors_total', { container_type: 'init_container', code: 'ErrImagePull' }), 1);
  family(f, 'kubelet_restarted_pods_total', 'counter', ['static']);
  assert.deepEqual(bucketsOf(family(f, 'kubelet_pleg_relist_duration_seconds', 'histogram', [])), DEF_BUCKETS);
  assert.deepEqual(bucketsOf(family(f, 'kubelet_pleg_relist_interval_seconds', 'histogram', [])), DEF_BUCKETS);
  assert.deepEqual(bucketsOf(family(f, 'kubelet_image_pull_duration_seconds', 'histogram', ['image_size_in_bytes']), { image_size_in_bytes: '0-10MB' }), IMAGE_PULL_BUCKETS);
  family(f, 'kubelet_http_requests_total', 'counter', ['long_running', 'method', 'path', 'server_type']);
  family(f, 'kubelet_http_requests_duration_seconds', 'histogram', ['long_running', 'method', 'path', 'server_type']);
  family(f, 'staticlet_manifest_rejected', 'gauge', ['file', 'reason']);
  assert.equal(valueOf(f, 'staticlet_manifest_rejected', { file: '/m/bad.yaml', reason: 'invalid' }), 1);
  const phases = family(f, 'staticlet_pod_start_phase_duration_seconds', 'histogram', ['phase']);
  assert.deepEqual(new Set(phases.samples.map((s) => s.labels.phase)), new Set(['image', 'admission', 'sandbox', 'init', 'create', 'start', 'ready']));
  // Probe and resource metrics live on their own endpoints, as the kubelet's do.
  assert.equal(f.get('prober_probe_total'), undefined);
  assert.equal(f.get('node_cpu_usage_seconds_total'), undefined);
});

test('/metrics/probes: prober_probe_total and prober_probe_duration_seconds, dropped with the pod', async () => {
  const m = exercised();
  let f = parseExposition((await m.metricsText('probes')).body);
  family(f, 'prober_probe_total', 'counter', ['container', 'namespace', 'pod', 'pod_uid', 'probe_type', 'result']);
  assert.equal(valueOf(f, 'prober_probe_total', { probe_type: 'Readiness', result: 'successful', pod_uid: 'u1' }), 1);
  assert.equal(valueOf(f, 'prober_probe_total', { probe_type: 'Readiness', result: 'failed' }), 1);
  const d = family(f, 'prober_probe_duration_seconds', 'histogram', ['container', 'namespace', 'pod', 'probe_type']);
  // Successful probes only, as the kubelet times them.
  assert.equal(valueOf(f, 'prober_probe_duration_seconds'), 1);
  assert.deepEqual(bucketsOf(d), DEF_BUCKETS);
  assert.equal((await m.probeCounts()).size, 2);
  m.probes.forgetPod('u1');
  f = parseExposition((await m.metricsText('probes')).body);
  assert.equal(valueOf(f, 'prober_probe_total'), undefined);
  assert.equal(valueOf(f, 'prober_probe_duration_seconds'), undefined);
});

test('/metrics/resource: node, pod and container CPU and working set from the summary', async () => {
  const f = parseExposition((await exercised().metricsText('resource')).body);
  family(f, 'node_cpu_usage_seconds_total', 'counter', []);
  assert.equal(valueOf(f, 'node_cpu_usage_seconds_total'), 5);
  family(f, 'node_memory_working_set_bytes', 'gauge', []);
  family(f, 'pod_cpu_usage_seconds_total', 'counter', ['namespace', 'pod']);
  assert.equal(valueOf(f, 'pod_cpu_usage_seconds_total', { pod: 'web-node-1' }), 2);
  family(f, 'pod_memory_working_set_bytes', 'gauge', ['namespace', 'pod']);
  family(f, 'container_cpu_usage_seconds_total', 'counter', ['container', 'namespace', 'pod']);
  family(f, 'container_memory_working_set_bytes', 'gauge', ['container', 'namespace', 'pod']);
  assert.equal(valueOf(f, 'container_memory_working_set_bytes', { container: 'app' }), 512);
  family(f, 'container_start_time_seconds', 'gauge', ['container', 'namespace', 'pod']);
  assert.equal(valueOf(f, 'resource_scrape_error'), 0);
  assert.equal(valueOf(f, 'scrape_error'), 0);
});

test('/metrics/resource: a failing summary is resource_scrape_error 1 and no stale series', async () => {
  const f = parseExposition((await exercised({ summary: () => Promise.reject(new Error('runtime down')) }).metricsText('resource')).body);
  assert.equal(valueOf(f, 'resource_scrape_error'), 1);
  assert.equal(valueOf(f, 'pod_cpu_usage_seconds_total'), undefined);
});

test('staticlet_manifest_rejected follows the refused manifests: a fixed one has no series', async () => {
  let rejections = [rejection('/m/a.yaml', '', 'yaml: bad indentation'), rejection('/m/b.yaml', 'metadata.name', 'Required value')];
  const m = new NodeMetrics({ nodeName: 'n', sources: { rejections: () => rejections } });
  let f = parseExposition((await m.metricsText('metrics')).body);
  assert.equal(valueOf(f, 'staticlet_manifest_rejected', { file: '/m/a.yaml', reason: 'decode' }), 1);
  assert.equal(valueOf(f, 'staticlet_manifest_rejected', { file: '/m/b.yaml', reason: 'invalid' }), 1);
  rejections = rejections.slice(1);
  f = parseExposition((await m.metricsText('metrics')).body);
  assert.equal(valueOf(f, 'staticlet_manifest_rejected', { file: '/m/a.yaml' }), undefined);
});

test('housekeeping jobs: last run, duration, success, runs, failures and freed bytes per job, read at scrape time', async () => {
  const jobs = [
    { name: 'image-gc', schedule: '*/5 * * * *', runs: 3, failures: 1, running: false, lastRun: '2026-12-07T10:00:00.000Z', lastDurationMs: 250, lastResult: 'failed' as const, totalFreedBytes: 1024 },
    { name: 'container-gc', schedule: '* * * * *', runs: 0, failures: 0, running: false, totalFreedBytes: 0 },
  ];
  const m = new NodeMetrics({ nodeName: 'n', sources: { housekeeping: () => jobs } });
  const f = parseExposition((await m.metricsText('metrics')).body);
  family(f, 'staticlet_housekeeping_last_run_timestamp_seconds', 'gauge', ['job']);
  assert.equal(valueOf(f, 'staticlet_housekeeping_last_run_timestamp_seconds', { job: 'image-gc' }), Date.parse('2026-12-07T10:00:00.000Z') / 1000);
  assert.equal(valueOf(f, 'staticlet_housekeeping_last_run_timestamp_seconds', { job: 'container-gc' }), undefined, 'a job that never ran has no last run');
  assert.equal(valueOf(f, 'staticlet_housekeeping_last_duration_seconds', { job: 'image-gc' }), 0.25);
  assert.equal(valueOf(f, 'staticlet_housekeeping_last_success', { job: 'image-gc' }), 0);
  assert.equal(valueOf(f, 'staticlet_housekeeping_runs', { job: 'image-gc' }), 3);
  assert.equal(valueOf(f, 'staticlet_housekeeping_failures', { job: 'image-gc' }), 1);
  assert.equal(valueOf(f, 'staticlet_housekeeping_freed_bytes', { job: 'image-gc' }), 1024);
  assert.equal(valueOf(f, 'staticlet_housekeeping_runs', { job: 'container-gc' }), 0);
});

test('two supervisors in one process keep separate registries', async () => {
  const a = new NodeMetrics({ nodeName: 'a' });
  const b = new NodeMetrics({ nodeName: 'b' });
  a.pods.sandboxStarted(true);
  assert.equal(valueOf(parseExposition((await a.metricsText('metrics')).body), 'kubelet_started_pods_total'), 1);
  assert.equal(valueOf(parseExposition((await b.metricsText('metrics')).body), 'kubelet_started_pods_total'), 0);
});

test('instrumentRuntime times every runtime call and counts failures by operation', async () => {
  const m = new NodeMetrics({ nodeName: 'n' });
  const fake = {
    endpoint: 'x',
    imageEndpoint: 'x',
    close: () => undefined,
    listContainerBriefs: async () => [],
    startContainer: async () => {
      throw new Error('boom');
    },
  } as unknown as RuntimeClient;
  const rt = instrumentRuntime(fake, m.runtime);
  await rt.listContainerBriefs();
  await assert.rejects(rt.startContainer('c1'));
  assert.equal(rt.endpoint, 'x');
  const f = parseExposition((await m.metricsText('metrics')).body);
  assert.equal(valueOf(f, 'kubelet_runtime_operations_total', { operation_type: 'list_containers' }), 1);
  assert.equal(valueOf(f, 'kubelet_runtime_operations_errors_total', { operation_type: 'start_container' }), 1);
  assert.equal(valueOf(f, 'kubelet_runtime_operations_duration_seconds', { operation_type: 'start_container' }), 1);
});

test('image sizes fall into the kubelet ranges', () => {
  assert.equal(imageSizeRange(0), '0-10MB');
  assert.equal(imageSizeRange(50 * 1024 * 1024), '10MB-100MB');
  assert.equal(imageSizeRange(2 * 1024 ** 3), '1GB-5GB');
  assert.equal(imageSizeRange(200 * 1024 ** 3), 'GT100GB');
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

test('promtool check metrics finds no problem in any endpoint', { skip: promtool ? false : 'promtool not installed (Debian package prometheus)' }, async () => {
  const m = exercised();
  for (const which of ['metrics', 'probes', 'resource'] as const) {
    const text = (await m.metricsText(which)).body;
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${which}: ${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', `${which}: promtool reports ${r.stdout}${r.stderr}`);
  }
});
