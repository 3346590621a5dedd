import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod } from '../../../src/api/generated/core-v1.js';
import { clampOomScoreAdj, cpuQuota, cpuShares, hugePageSizeName, hugepageLimits, linuxResources, oomScoreAdj } from '../../../src/pods/resources.js';

const GiB = 1024 ** 3;
const node = { allocatable: {}, memoryCapacityBytes: 10 * GiB, hugePageSizes: ['2MB', '1GB'], oomScoreAdjFloor: -1000 };
function pod(containers: Container[], extra: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name: 'p' }, spec: { containers, ...extra } };
}
const c = (name: string, resources?: Container['resources']): Container => ({ name, image: 'busybox', ...(resources ? { resources } : {}) });

describe('cpu', () => {
  test('shares: milli*1024/1000 with a floor of 2', () => {
    assert.equal(cpuShares(0n), 2);
    assert.equal(cpuShares(1n), 2);
    assert.equal(cpuShares(100n), 102);
    assert.equal(cpuShares(250n), 256);
    assert.equal(cpuShares(1000n), 1024);
    assert.equal(cpuShares(10_000_000n), 262_144);
  });
  test('quota: period 100000, floor 1000, none without a limit', () => {
    assert.equal(cpuQuota(0n), 0);
    assert.equal(cpuQuota(5n), 1000);
    assert.equal(cpuQuota(500n), 50_000);
    assert.equal(cpuQuota(1500n), 150_000);
  });
});

describe('linuxResources', () => {
  test('requests and limits', () => {
    const x = c('a', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    const r = linuxResources(pod([x]), x, node);
    assert.equal(r.cpuShares, 256);
    assert.equal(r.cpuPeriod, 100_000);
    assert.equal(r.cpuQuota, 50_000);
    assert.equal(r.memoryLimitInBytes, 128 * 1024 * 1024);
    assert.deepEqual(r.hugepageLimits, [{ pageSize: '2MB', limit: 0 }, { pageSize: '1GB', limit: 0 }]);
  });
  test('a limit alone also sets the request (API defaulting)', () => {
    const x = c('a', { limits: { cpu: '1', memory: '1Gi' } });
    const r = linuxResources(pod([x]), x, node);
    assert.equal(r.cpuShares, 1024);
    assert.equal(r.cpuQuota, 100_000);
    assert.equal(r.oomScoreAdj, -997, 'Guaranteed');
  });
  test('nothing set: minimal shares, no quota, no memory limit', () => {
    const x = c('a');
    const r = linuxResources(pod([x]), x, node);
    assert.equal(r.cpuShares, 2);
    assert.equal(r.cpuQuota, 0);
    assert.equal(r.memoryLimitInBytes, undefined);
    assert.equal(r.oomScoreAdj, 1000);
  });
  test('huge page limits by CRI page size name', () => {
    assert.equal(hugePageSizeName(2n * 1024n * 1024n), '2MB');
    assert.equal(hugePageSizeName(1024n ** 3n), '1GB');
    assert.equal(hugePageSizeName(64n * 1024n), '64KB');
    assert.deepEqual(hugepageLimits({ 'hugepages-2Mi': '10Mi', cpu: '1' }, ['2MB', '1GB']), [{ pageSize: '2MB', limit: 10 * 1024 * 1024 }, { pageSize: '1GB', limit: 0 }]);
  });
  test('the oom score is clamped to the floor the runtime allows', () => {
    const x = c('a', { limits: { cpu: '1', memory: '1Gi' } });
    assert.equal(linuxResources(pod([x]), x, { ...node, oomScoreAdjFloor: 0 }).oomScoreAdj, 0);
    assert.equal(clampOomScoreAdj(500, 0), 500);
    assert.equal(clampOomScoreAdj(-997, -999), -997);
  });
});

describe('oomScoreAdj', () => {
  test('Burstable: 1000 - 1000*request/capacity, kept within [3, 999]', () => {
    const half = c('a', { requests: { memory: `${5 * GiB}` } });
    assert.equal(oomScoreAdj(pod([half]), half, 10 * GiB), 500);
    const all = c('a', { requests: { memory: `${10 * GiB}` } });
    assert.equal(oomScoreAdj(pod([all]), all, 10 * GiB), 3);
    const tiny = c('a', { requests: { memory: '1' } });
    assert.equal(oomScoreAdj(pod([tiny]), tiny, 10 * GiB), 999);
    const cpuOnly = c('a', { requests: { cpu: '1' } });
    assert.equal(oomScoreAdj(pod([cpuOnly]), cpuOnly, 10 * GiB), 999);
  });
  test('system-node-critical static pods are protected whatever their QoS', () => {
    const x = c('a');
    assert.equal(oomScoreAdj(pod([x], { priorityClassName: 'system-node-critical' }), x, 10 * GiB), -997);
  });
  test('a sidecar is never more exposed than the smallest regular container', () => {
    const side: Container = { ...c('side', { requests: { memory: `${1 * GiB}` } }), restartPolicy: 'Always' };
    const app = c('app', { requests: { memory: `${4 * GiB}` } });
    const p = pod([app], { initContainers: [side] });
    assert.equal(oomScoreAdj(p, side, 10 * GiB), 600);
    const init = c('init', { requests: { memory: `${1 * GiB}` } });
    const q = pod([app], { initContainers: [init] });
    assert.equal(oomScoreAdj(q, init, 10 * GiB), 900, 'plain init containers use their own request');
  });
});
