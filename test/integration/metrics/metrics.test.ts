import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { routeStatusRequestAsync } from '../../../src/server/routes.js';
import type { Summary } from '../../../src/stats/types.js';
import { formatTopPods, topNode, topPods } from '../../../src/cli/commands/top.js';
import { captureOutput } from '../../helpers/streams.js';
import { describePod } from '../../../src/cli/describe-format.js';
import { parseExposition, valueOf } from '../../helpers/exposition.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, condition, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const sleeper = (name: string, extra = ''): string =>
  manifest(name, ['  terminationGracePeriodSeconds: 0', '  containers:', '  - name: app', `    image: ${BUSYBOX}`, '    command: [sleep, "3600"]', extra, ''].join('\n'));

const ready = (p: Pod): boolean => condition(p, 'Ready') === 'True';

describe('metrics and stats against containerd', () => {
  let h: SupervisorHarness;
  withSupervisor({}, (x) => {
    h = x;
  });
  const scrape = async (which: 'metrics' | 'probes' | 'resource' = 'metrics') => parseExposition((await h.sup.metricsText(which)).body);

  test('kubelet_running_pods equals the running pods; a start is timed phase by phase', async () => {
    await h.write('m1.yaml', sleeper('m1'));
    await h.write('m2.yaml', sleeper('m2'));
    const p1 = await h.waitPod('m1', ready, 30_000);
    await h.waitPod('m2', ready, 30_000);
    // Both read the last relist (1 s period), so they follow within a relist or two.
    const f = await eventually(
      async () => {
        const x = await scrape();
        return valueOf(x, 'kubelet_running_pods') === 2 && valueOf(x, 'kubelet_running_containers', { container_state: 'running' }) === 2 ? x : undefined;
      },
      { timeoutMs: 5_000, what: 'kubelet_running_pods and kubelet_running_containers 2' },
    );
    assert.equal(valueOf(f, 'kubelet_desired_pods', { static: 'true' }), 2);
    assert.equal(valueOf(f, 'kubelet_working_pods', { lifecycle: 'sync', config: 'desired', static: 'true' }), 2);
    assert.equal(valueOf(f, 'kubelet_started_pods_total'), 2);
    assert.equal(valueOf(f, 'kubelet_started_containers_total', { container_type: 'container' }), 2);
    assert.equal(valueOf(f, 'kubelet_pod_start_duration_seconds'), 2);
    assert.ok((valueOf(f, 'kubelet_runtime_operations_total', { operation_type: 'run_podsandbox' }) ?? 0) >= 2);
    assert.ok((valueOf(f, 'kubelet_pleg_relist_duration_seconds') ?? 0) >= 1);
    assert.ok((valueOf(f, 'kubelet_pod_worker_duration_seconds', { operation_type: 'create' }) ?? 0) >= 2);
    for (const phase of ['image', 'admission', 'sandbox', 'init', 'create', 'start', 'ready']) {
      assert.equal(valueOf(f, 'staticlet_pod_start_phase_duration_seconds', { phase }), 2, `phase ${phase} observed once per pod`);
    }
    const b = h.sup.startPhases(p1.metadata!.uid!);
    assert.ok(b, 'the breakdown is kept for describe');
    assert.ok(b.phases.sandbox > 0 && b.phases.create > 0 && b.phases.start > 0, JSON.stringify(b));
    assert.ok(b.ready >= b.running && b.running > 0, JSON.stringify(b));
    const text = describePod(p1, [], { now: Date.now(), startPhases: b });
    assert.match(text, /Start Phases:\s+\(running after [\d.]+s, ready after [\d.]+s\)\n\s+image:\s+[\d.]+s\n/);
    await h.remove('m2.yaml');
    await eventually(async () => valueOf(await scrape(), 'kubelet_running_pods') === 1, { timeoutMs: 10_000, what: 'kubelet_running_pods 1' });
  });

  test('prober_probe_total increases, and goes with its pod', async () => {
    await h.write('probed.yaml', sleeper('probed', '    readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}'));
    await h.waitPod('probed', ready, 30_000);
    const count = async () => valueOf(await scrape('probes'), 'prober_probe_total', { probe_type: 'Readiness', result: 'successful', pod: 'probed-node-1' }) ?? 0;
    const first = await eventually(async () => ((await count()) >= 1 ? count() : undefined), { timeoutMs: 5_000, what: 'a probe counted' });
    await eventually(async () => (await count()) >= first + 2, { timeoutMs: 5_000, what: 'prober_probe_total increasing' });
    assert.ok((valueOf(await scrape('probes'), 'prober_probe_duration_seconds', { pod: 'probed-node-1' }) ?? 0) >= 1);
    await h.remove('probed.yaml');
    await eventually(async () => valueOf(await scrape('probes'), 'prober_probe_total', { pod: 'probed-node-1' }) === undefined, { timeoutMs: 15_000, what: 'series dropped' });
  });

  test('staticlet_manifest_rejected appears for a broken manifest and goes when it is fixed', async () => {
    const rejected = async () => {
      const f = await scrape();
      return f.get('staticlet_manifest_rejected')?.samples.filter((x) => /broken\.yaml$/.test(x.labels.file ?? '') && x.labels.reason === 'invalid').reduce((n, x) => n + x.value, 0) || undefined;
    };
    await h.write('broken.yaml', manifest('broken', '  containers:\n  - name: app\n    image: ""\n    bogusField: 1\n'));
    await eventually(async () => (await rejected()) === 1, { timeoutMs: 5_000, what: 'staticlet_manifest_rejected 1' });
    await h.write('broken.yaml', sleeper('broken'));
    await eventually(async () => (await rejected()) === undefined, { timeoutMs: 5_000, what: 'the series gone' });
    await h.remove('broken.yaml');
  });

  test('/stats/summary has the kubelet shape, field by field', async () => {
    await h.waitPod('m1', ready, 30_000);
    const res = await routeStatusRequestAsync(h.sup, 'GET', '/stats/summary');
    assert.equal(res.status, 200);
    const s = JSON.parse(res.body) as Summary;
    assert.deepEqual(Object.keys(s).sort(), ['node', 'pods']);
    const n = s.node;
    assert.equal(n.nodeName, 'node-1');
    isTime(n.startTime);
    assert.deepEqual(Object.keys(n).sort(), ['cpu', 'fs', 'memory', 'nodeName', 'rlimit', 'runtime', 'startTime']);
    fields(n.cpu, ['time', 'usageCoreNanoSeconds', 'usageNanoCores']);
    fields(n.memory, ['availableBytes', 'majorPageFaults', 'pageFaults', 'rssBytes', 'time', 'usageBytes', 'workingSetBytes']);
    fields(n.fs, ['availableBytes', 'capacityBytes', 'inodes', 'inodesFree', 'inodesUsed', 'time', 'usedBytes']);
    assert.ok(n.fs!.capacityBytes! >= n.fs!.availableBytes!);
    assert.deepEqual(Object.keys(n.runtime!), ['imageFs']);
    assert.ok(n.runtime!.imageFs!.usedBytes! > 0, 'the image filesystem holds busybox');
    fields(n.rlimit, ['curproc', 'maxpid', 'time']);
    const pod = s.pods.find((p) => p.podRef.name === 'm1-node-1');
    assert.ok(pod, 'the running pod is listed');
    assert.deepEqual(Object.keys(pod.podRef).sort(), ['name', 'namespace', 'uid']);
    assert.equal(pod.podRef.namespace, 'default');
    isTime(pod.startTime);
    // network and process_stats come from ListPodSandboxStats (containerd 1.6 has it).
    const podKeys = Object.keys(pod).sort();
    assert.deepEqual(
      podKeys,
      ['containers', 'cpu', 'ephemeral-storage', 'memory', 'network', 'podRef', 'process_stats', 'startTime'].filter((k) => podKeys.includes(k) || !['network', 'process_stats'].includes(k)),
    );
    fields(pod.cpu, ['time', 'usageCoreNanoSeconds', 'usageNanoCores'], ['usageNanoCores']);
    assert.ok(pod.memory!.workingSetBytes! > 0);
    if (pod.process_stats) assert.ok(pod.process_stats.process_count! >= 1, 'sleep runs in the pod');
    if (pod.network) {
      isTime(pod.network.time);
      assert.equal(typeof pod.network.name, 'string');
      for (const i of pod.network.interfaces ?? []) assert.equal(typeof i.name, 'string');
    }
    // The pod's cgroup holds its containers: never less CPU than theirs.
    const containersCpu = pod.containers.reduce((n, c) => n + (c.cpu?.usageCoreNanoSeconds ?? 0), 0);
    assert.ok(pod.cpu!.usageCoreNanoSeconds! >= containersCpu, `pod ${pod.cpu!.usageCoreNanoSeconds} >= containers ${containersCpu}`);
    process.stderr.write(`summary pod m1: ${JSON.stringify({ cpu: pod.cpu, memory: pod.memory, network: pod.network, process_stats: pod.process_stats })}\n`);
    const c = pod.containers[0]!;
    assert.equal(c.name, 'app');
    isTime(c.startTime);
    fields(c.cpu, ['time', 'usageCoreNanoSeconds', 'usageNanoCores'], ['usageNanoCores']);
    assert.ok(c.memory!.workingSetBytes! > 0 && c.memory!.usageBytes! >= c.memory!.workingSetBytes!);
    assert.ok(c.rootfs && typeof c.rootfs.usedBytes === 'number');
    // only_cpu_and_memory=true: cpu and memory alone.
    const only = JSON.parse((await routeStatusRequestAsync(h.sup, 'GET', '/stats/summary?only_cpu_and_memory=true')).body) as Summary;
    assert.deepEqual(Object.keys(only.node).sort(), ['cpu', 'memory', 'nodeName', 'startTime']);
    const op = only.pods.find((p) => p.podRef.name === 'm1-node-1')!;
    assert.deepEqual(Object.keys(op).sort(), ['containers', 'cpu', 'memory', 'podRef', 'startTime']);
    assert.equal(op.containers[0]!.rootfs, undefined);
    assert.match(formatTopPods(only.pods, { showNamespace: true, containers: false }), /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\n(.*\n)*default\s+m1-node-1\s+\d+m\s+\d+Mi\n/m);
    // `staticlet top` over the status socket.
    const pods = captureOutput();
    assert.equal(await topPods({ statusSocket: h.settings.statusSocket }, pods.out), 0, pods.stderr());
    assert.match(pods.stdout(), /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\n(.*\n)*default\s+m1-node-1\s+\d+m\s+\d+Mi\n/);
    const node = captureOutput();
    assert.equal(await topNode({ statusSocket: h.settings.statusSocket }, node.out), 0, node.stderr());
    assert.match(node.stdout(), /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\nnode-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\n$/);
    process.stderr.write(`staticlet top pods:\n${pods.stdout()}staticlet top node:\n${node.stdout()}`);
    // /metrics/resource is computed from the same figures.
    const r = await scrape('resource');
    assert.equal(valueOf(r, 'resource_scrape_error'), 0);
    assert.ok((valueOf(r, 'container_memory_working_set_bytes', { pod: 'm1-node-1', container: 'app' }) ?? 0) > 0);
  });

  test('a container burning CPU: usageNanoCores within 20 % of its cgroup over the same interval', async () => {
    await h.write('burn.yaml', manifest('burn', ['  terminationGracePeriodSeconds: 0', '  containers:', '  - name: burn', `    image: ${BUSYBOX}`, "    command: [sh, -c, 'while :; do :; done']", '    resources: {limits: {cpu: 500m}}', ''].join('\n')));
    await h.waitPod('burn', (p) => p.status?.phase === 'Running', 30_000);
    const usageNs = await cgroupCpuReader(h);
    const rate = async (): Promise<number | undefined> => {
      const s = (await h.sup.summary({ onlyCpuAndMemory: true }))!;
      return s.pods.find((p) => p.podRef.name === 'burn-node-1')?.containers.find((c) => c.name === 'burn')?.cpu?.usageNanoCores;
    };
    await new Promise((r) => setTimeout(r, 1_000));
    const u0 = await usageNs();
    const t0 = performance.now();
    await rate();
    await new Promise((r) => setTimeout(r, 3_000));
    const u1 = await usageNs();
    const t1 = performance.now();
    const got = await rate();
    const expected = ((u1 - u0) / ((t1 - t0) * 1e6)) * 1e9;
    assert.ok(got !== undefined, 'usageNanoCores reported');
    const err = Math.abs(got - expected) / expected;
    process.stderr.write(`burn: usageNanoCores ${got}, cgroup says ${Math.round(expected)} (${(err * 100).toFixed(1)} % apart)\n`);
    assert.ok(expected > 1e8, `the burner runs (${expected} nanocores)`);
    assert.ok(err <= 0.2, `usageNanoCores ${got} vs cgroup ${Math.round(expected)}: ${(err * 100).toFixed(1)} % apart`);
    await h.remove('burn.yaml');
  });
});

function isTime(v: unknown): void {
  assert.equal(typeof v, 'string');
  assert.ok(Number.isFinite(Date.parse(v as string)), `${String(v)} is a time`);
}

/** The object's keys are exactly `keys` (sorted), numbers but `time`; `optional` may be absent. */
function fields(o: object | undefined, keys: string[], optional: string[] = []): void {
  assert.ok(o, `has ${keys.join(', ')}`);
  const got = Object.keys(o).sort();
  assert.deepEqual(got, keys.filter((k) => got.includes(k) || !optional.includes(k)).sort());
  for (const [k, v] of Object.entries(o)) {
    if (k === 'time') isTime(v);
    else assert.ok(typeof v === 'number' && v >= 0, `${k} = ${String(v)}`);
  }
}

/**
 * The container's cumulative CPU time (ns) straight from its cgroup: cpuacct.usage on cgroup v1,
 * cpu.stat usage_usec on v2. The path comes from /proc/self/cgroup of a process exec'd into it.
 */
async function cgroupCpuReader(h: SupervisorHarness): Promise<() => Promise<number>> {
  const lines = (await h.exec('burn', 'burn', ['cat', '/proc/self/cgroup'])).trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, ctrl]) => (ctrl ?? '').split(',').includes('cpuacct'));
  if (v1 && v1[2] && v1[2] !== '/') {
    const file = `/sys/fs/cgroup/cpuacct${v1[2]}/cpuacct.usage`;
    return async () => Number((await readFile(file, 'utf8')).trim());
  }
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3);
  assert.ok(v2 && v2 !== '/', `a cgroup path for the container in ${lines.join(' | ')}`);
  const file = await readFile(`/sys/fs/cgroup${v2}/cpu.stat`, 'utf8').then(
    () => `/sys/fs/cgroup${v2}/cpu.stat`,
    () => `/sys/fs/cgroup/unified${v2}/cpu.stat`,
  );
  return async () => Number(/^usage_usec (\d+)$/m.exec(await readFile(file, 'utf8'))![1]) * 1000;
}
