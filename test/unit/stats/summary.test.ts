import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nanoCores, StatsProvider, type StatsRuntime } from '../../../src/stats/index.js';
import { formatTopNode, formatTopPods } from '../../../src/cli/commands/top.js';
import { routeStatusRequestAsync } from '../../../src/server/routes.js';
import { POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, type Container, type ContainerStats, type PodSandbox } from '../../../src/runtime/index.js';
import { FakeStatusProvider } from '../server/fake-provider.js';

test('nanoCores: Δusage / Δtime; none on the first sample, a counter reset or a zero interval', () => {
  assert.equal(nanoCores({ usageNs: 1e9, at: 1000 }, { usageNs: 1.5e9, at: 2000 }), 5e8);
  assert.equal(nanoCores(undefined, { usageNs: 1e9, at: 1000 }), undefined);
  assert.equal(nanoCores({ usageNs: 2e9, at: 1000 }, { usageNs: 1e9, at: 2000 }), undefined);
  assert.equal(nanoCores({ usageNs: 1e9, at: 1000 }, { usageNs: 2e9, at: 1000 }), undefined);
});

const labels = (uid: string, name: string) => ({ [POD_UID_LABEL]: uid, [POD_NAME_LABEL]: name, [POD_NAMESPACE_LABEL]: 'default' });

function fakeRuntime(samples: Array<Record<string, number>>, times: number[]): StatsRuntime & { calls: number } {
  const sb = (id: string, uid: string, state: 'ready' | 'notready', createdAt: number): PodSandbox => ({
    id,
    metadata: { name: 'web', uid, namespace: 'default' },
    state,
    createdAt,
    labels: labels(uid, 'web-n'),
    annotations: {},
    runtimeHandler: '',
  });
  const ctr = (id: string, name: string, sandbox: string, state: Container['state'], createdAt: number): Container => ({
    id,
    podSandboxId: sandbox,
    metadata: { name },
    image: 'i',
    imageRef: 'i',
    state,
    createdAt,
    labels: labels('u1', 'web-n'),
    annotations: {},
  });
  const rt = {
    calls: 0,
    listPodSandboxes: async () => [sb('old', 'u1', 'notready', 1), sb('s1', 'u1', 'ready', 2)],
    listContainers: async () => [ctr('c0', 'app', 's1', 'exited', 3), ctr('c1', 'app', 's1', 'running', 4), ctr('c2', 'side', 's1', 'running', 5)],
    listContainerStats: async (): Promise<ContainerStats[]> => {
      const i = Math.min(rt.calls++, samples.length - 1);
      return Object.entries(samples[i]!).map(([id, ns]) => ({
        id,
        name: id,
        labels: {},
        annotations: {},
        timestamp: times[i]!,
        cpuUsageCoreNanoSeconds: ns,
        cpuUsageNanoCores: 7,
        memoryWorkingSetBytes: 100,
        memoryUsageBytes: 150,
        writableLayerUsedBytes: 10,
      }));
    },
    imageFsInfo: async () => ({ imageFilesystems: [{ timestamp: 1, mountpoint: '/', usedBytes: 42, inodesUsed: 3 }], containerFilesystems: [] }),
  };
  return rt;
}

test('summary: one sandbox and one container per name (running first), rates from the previous sample, pod sums', async () => {
  const rt = fakeRuntime(
    [
      { c1: 1e9, c2: 2e9 },
      { c1: 1.25e9, c2: 2.5e9 },
    ],
    [10_000, 11_000],
  );
  const p = new StatsProvider({ nodeName: 'n', runtime: rt, rootDir: '/' });
  const first = await p.summary();
  assert.equal(first.pods.length, 1);
  const pod = first.pods[0]!;
  assert.deepEqual(pod.podRef, { name: 'web-n', namespace: 'default', uid: 'u1' });
  assert.deepEqual(pod.containers.map((c) => c.name).sort(), ['app', 'side']);
  // First sample: the runtime's own figure stands in.
  assert.equal(pod.containers[0]!.cpu!.usageNanoCores, 7);
  assert.equal(first.node.runtime!.imageFs!.usedBytes, 42);
  assert.ok(first.node.cpu!.usageNanoCores !== undefined, 'the node has a rate on the first call');
  const second = await p.summary();
  const byName = Object.fromEntries(second.pods[0]!.containers.map((c) => [c.name, c]));
  assert.equal(byName.app!.cpu!.usageNanoCores, 2.5e8);
  assert.equal(byName.side!.cpu!.usageNanoCores, 5e8);
  assert.equal(second.pods[0]!.cpu!.usageNanoCores, 7.5e8);
  assert.equal(second.pods[0]!.cpu!.usageCoreNanoSeconds, 3.75e9);
  assert.equal(second.pods[0]!.memory!.workingSetBytes, 200);
  assert.equal(second.pods[0]!['ephemeral-storage']!.usedBytes, 20);
  const only = await p.summary({ onlyCpuAndMemory: true });
  assert.equal(only.node.fs, undefined);
  assert.equal(only.pods[0]!['ephemeral-storage'], undefined);
  assert.equal(only.pods[0]!.containers[0]!.rootfs, undefined);
});

test('staticlet top: kubectl top layouts', () => {
  const pods = [
    { podRef: { name: 'web', namespace: 'default', uid: 'u' }, startTime: 't', cpu: { time: 't', usageNanoCores: 12_400_000 }, memory: { time: 't', workingSetBytes: 5 * 1024 * 1024 }, containers: [] },
  ];
  assert.equal(formatTopPods(pods, { showNamespace: false, containers: false }), 'NAME   CPU(cores)   MEMORY(bytes)\nweb    12m          5Mi\n');
  const node = { nodeName: 'n1', startTime: 't', cpu: { time: 't', usageNanoCores: 500_000_000 }, memory: { time: 't', workingSetBytes: 1024 * 1024 * 1024 } };
  assert.equal(formatTopNode({ node, pods: [] }, { cpu: '2', memory: '4Gi' }), 'NAME   CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)\nn1     500m         25%      1024Mi          25%\n');
});

test('status socket: /stats/summary (503 before the runtime), only_cpu_and_memory passed through', async () => {
  const provider = new FakeStatusProvider();
  let asked: unknown;
  assert.equal((await routeStatusRequestAsync(provider, 'GET', '/stats/summary')).status, 503);
  const withStats = Object.assign(provider, {
    summary: async (o: unknown) => {
      asked = o;
      return undefined;
    },
  });
  assert.equal((await routeStatusRequestAsync(withStats, 'GET', '/stats/summary?only_cpu_and_memory=true')).status, 503);
  assert.deepEqual(asked, { onlyCpuAndMemory: true });
});

test('nextRate: a read sooner than 1 s after the last sample answers the last rate and keeps the baseline', async () => {
  const { nextRate } = await import('../../../src/stats/index.js');
  const a = nextRate(undefined, { usageNs: 0, at: 0 });
  assert.equal(a.rate, undefined);
  const b = nextRate(a.baseline, { usageNs: 1e9, at: 2000 });
  assert.equal(b.rate, 5e8);
  const c = nextRate(b.baseline, { usageNs: 1.001e9, at: 2005 });
  assert.equal(c.rate, 5e8, 'the cached rate');
  assert.equal(c.baseline.at, 2000, 'the baseline stays');
  const d = nextRate(c.baseline, { usageNs: 1.25e9, at: 3000 });
  assert.equal(d.rate, 2.5e8);
  // The first answer may come from a short interval.
  assert.equal(nextRate(a.baseline, { usageNs: 1e8, at: 100 }).rate, 1e9);
});
