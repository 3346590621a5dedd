import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_EVICTION_HARD, formatThreshold, parseThresholds, thresholdValue } from '../../../src/housekeeping/thresholds.js';
import { PressureEvaluator, type Observations } from '../../../src/housekeeping/pressure.js';
import { memoryFromMeminfo, pidsFrom } from '../../../src/housekeeping/signals.js';
import { nodeStatus, type NodeFacts } from '../../../src/node/node-object.js';
import { resolveSettings } from '../../../src/config/settings.js';

const MI = 1024n * 1024n;
const GI = 1024n * MI;

test("the kubelet's default hard thresholds; a configured evictionHard replaces them unless merged", () => {
  assert.deepEqual(parseThresholds({}).map(formatThreshold), Object.entries(DEFAULT_EVICTION_HARD).map(([k, v]) => `${k}<${v === '100Mi' ? String(100n * MI) : v}`));
  assert.deepEqual(parseThresholds({ evictionHard: { 'pid.available': '1000' } }).map(formatThreshold), ['pid.available<1000']);
  const merged = parseThresholds({ evictionHard: { 'nodefs.available': '20%' }, mergeDefaultEvictionSettings: true });
  assert.equal(merged.find((t) => t.signal === 'nodefs.available')?.percentage, 0.2);
  assert.equal(merged.length, 4);
  // Zero thresholds are dropped, as the kubelet drops them.
  assert.deepEqual(parseThresholds({ evictionHard: { 'memory.available': '0%' } }), []);
});

test('bad thresholds are refused with their field', () => {
  assert.throws(() => parseThresholds({ evictionHard: { 'cpu.available': '1' } }), /unsupported eviction signal "cpu.available"/);
  assert.throws(() => parseThresholds({ evictionHard: { 'nodefs.available': '120%' } }), /invalid percentage/);
  assert.throws(() => parseThresholds({ evictionHard: { 'memory.available': 'lots' } }), /invalid quantity/);
  assert.throws(() => parseThresholds({ evictionSoft: { 'memory.available': '1Gi' } }), /needs a grace period/);
});

test('settings read the image GC and eviction fields with the kubelet defaults and checks', () => {
  const file = (config: Record<string, unknown>) => ({ config: { apiVersion: 'kubelet.config.k8s.io/v1beta1' as const, kind: 'KubeletConfiguration' as const, ...config }, path: 'x', warnings: [] });
  const d = resolveSettings({ hostnameOverride: 'n' });
  assert.deepEqual(d.imageGC, { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 120_000, maximumAgeMs: 0 });
  assert.equal(d.evictionPressureTransitionPeriodMs, 300_000);
  assert.equal(d.evictionThresholds.length, 4);
  const s = resolveSettings({ hostnameOverride: 'n' }, file({ imageGCHighThresholdPercent: 1, imageGCLowThresholdPercent: 0, imageMinimumGCAge: '1s', evictionSoft: { 'memory.available': '1Gi' }, evictionSoftGracePeriod: { 'memory.available': '30s' } }) as never);
  assert.equal(s.imageGC.highThresholdPercent, 1);
  assert.equal(s.imageGC.minimumAgeMs, 1000);
  assert.equal(s.evictionThresholds.find((t) => !t.hard)?.gracePeriodMs, 30_000);
  assert.throws(() => resolveSettings({ hostnameOverride: 'n' }, file({ imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 50 }) as never), /must be less than imageGCHighThresholdPercent/);
  assert.throws(() => resolveSettings({ hostnameOverride: 'n', housekeepingSchedule: ['image-gc=every minute'] }), /invalid cron expression/);
  assert.deepEqual(resolveSettings({ hostnameOverride: 'n', housekeepingSchedule: ['image-gc=*/2 * * * * *'] }).housekeepingSchedules, { 'image-gc': '*/2 * * * * *' });
});

test('percent thresholds are taken of the capacity', () => {
  const [t] = parseThresholds({ evictionHard: { 'nodefs.available': '10%' } });
  assert.equal(thresholdValue(t!, 1000n), 100n);
});

const obs = (memAvail: bigint, nodefsAvail = 500n, pids = 1000n): Observations => ({
  'memory.available': { available: memAvail, capacity: 4n * GI },
  'nodefs.available': { available: nodefsAvail, capacity: 1000n },
  'pid.available': { available: pids, capacity: 4096n },
});

test('a hard threshold turns its condition on at once; off only after the transition period', () => {
  const e = new PressureEvaluator(parseThresholds({ evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%', 'pid.available': '100' } }), 300_000);
  let r = e.evaluate(obs(GI), 0);
  assert.deepEqual(r.pressure, { memory: false, disk: false, pid: false });
  r = e.evaluate(obs(50n * MI), 10_000);
  assert.deepEqual(r.pressure, { memory: true, disk: false, pid: false });
  assert.deepEqual(r.started, ['memory']);
  assert.deepEqual(r.due.map((t) => t.signal), ['memory.available']);
  // Recovered, but within the transition period: still True.
  r = e.evaluate(obs(GI), 20_000);
  assert.equal(r.pressure.memory, true);
  r = e.evaluate(obs(GI), 10_000 + 299_999);
  assert.equal(r.pressure.memory, true);
  r = e.evaluate(obs(GI), 10_000 + 300_000);
  assert.equal(r.pressure.memory, false);
  assert.deepEqual(r.ended, ['memory']);
  r = e.evaluate(obs(GI, 50n, 10n), 400_000);
  assert.deepEqual(r.pressure, { memory: false, disk: true, pid: true });
});

test('a soft threshold sets the condition at once but is due for reclaim only after its grace period', () => {
  const e = new PressureEvaluator(parseThresholds({ evictionHard: {}, evictionSoft: { 'nodefs.available': '20%' }, evictionSoftGracePeriod: { 'nodefs.available': 60_000 } }), 0);
  let r = e.evaluate(obs(GI, 100n), 0);
  assert.equal(r.pressure.disk, true);
  assert.deepEqual(r.due, []);
  r = e.evaluate(obs(GI, 100n), 59_999);
  assert.deepEqual(r.due, []);
  r = e.evaluate(obs(GI, 100n), 60_000);
  assert.deepEqual(r.due.map((t) => t.signal), ['nodefs.available']);
  // Met no longer: the grace period starts over; a zero transition period ends pressure at once.
  r = e.evaluate(obs(GI, 900n), 61_000);
  assert.equal(r.pressure.disk, false);
  r = e.evaluate(obs(GI, 100n), 62_000);
  assert.deepEqual(r.due, []);
});

test('an unreadable signal meets no threshold', () => {
  const e = new PressureEvaluator(parseThresholds({}), 0);
  assert.deepEqual(e.evaluate({}, 0).pressure, { memory: false, disk: false, pid: false });
});

test('memory.available is capacity minus the working set; pid.available the limit minus the tasks', () => {
  const m = memoryFromMeminfo('MemTotal:        4000 kB\nMemFree:         1000 kB\nMemAvailable:    2500 kB\nInactive(file):   500 kB\n');
  assert.deepEqual(m, { available: 1500n * 1024n, capacity: 4000n * 1024n });
  assert.deepEqual(pidsFrom('4194304\n', '1000\n', '0.10 0.20 0.30 2/300 12345\n'), { available: 700n, capacity: 1000n });
  assert.equal(pidsFrom('x', undefined, 'garbage'), undefined);
});

test("pressure shows in the Node's conditions with the kubelet's reasons and messages", () => {
  const facts = { nodeName: 'n', nodeIP: '10.0.0.1', port: 10250, labels: {}, taints: [], machine: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', operatingSystem: 'linux', architecture: 'amd64' }, resources: { capacity: {}, allocatable: {} }, maxImages: 0 } as unknown as NodeFacts;
  const status = { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], info: {} };
  const calm = nodeStatus(facts, { status }, undefined, 1_000);
  const hot = nodeStatus(facts, { status, pressure: { memory: true, disk: true, pid: true } }, calm, 61_000);
  const by = (s: typeof hot, type: string) => s.conditions!.find((c) => c.type === type)!;
  assert.equal(by(calm, 'DiskPressure').reason, 'KubeletHasNoDiskPressure');
  assert.deepEqual(
    ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((t) => [by(hot, t).status, by(hot, t).reason, by(hot, t).message]),
    [
      ['True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
      ['True', 'KubeletHasDiskPressure', 'kubelet has disk pressure'],
      ['True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
    ],
  );
  assert.equal(by(hot, 'DiskPressure').lastTransitionTime, '1970-01-01T00:01:01Z');
  assert.equal(hot.conditions!.at(-1)!.type, 'Ready');
});
