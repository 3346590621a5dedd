import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { allocatableOf, HARD_EVICTION_MEMORY, readCapacity } from '../../../src/admission/node.js';

const GI = 1n << 30n;

describe('node allocatable', () => {
  test('capacity minus kubeReserved, systemReserved and the hard eviction memory threshold', () => {
    const capacity = { cpu: 4000n, memory: 8n * GI, pods: 110n };
    const a = allocatableOf(capacity, { kubeReserved: { cpu: '500m', memory: '1Gi' }, systemReserved: { cpu: '250m', memory: '512Mi' } });
    assert.deepEqual(a, { cpu: 3250n, memory: 8n * GI - GI - GI / 2n - 100n * 1024n * 1024n, pods: 110n });
  });
  test('without reservations only the eviction threshold is held back', () => {
    assert.deepEqual(allocatableOf({ cpu: 2000n, memory: GI, pods: 10n }, { kubeReserved: {}, systemReserved: {} }), { cpu: 2000n, memory: GI - HARD_EVICTION_MEMORY, pods: 10n });
  });
  test('ephemeral-storage keeps the nodefs.available 10% threshold; nothing goes below zero', () => {
    const a = allocatableOf({ cpu: 1000n, memory: 50n, 'ephemeral-storage': 1000n, pods: 1n }, { kubeReserved: { cpu: '2', 'ephemeral-storage': '100' }, systemReserved: {} });
    assert.deepEqual(a, { cpu: 0n, memory: 0n, 'ephemeral-storage': 800n, pods: 1n });
  });
  test('capacity: logical CPUs, memory, maxPods and the root filesystem', async () => {
    const c = await readCapacity(42, '/tmp/does/not/exist/yet');
    assert.equal(c.cpu, BigInt(availableParallelism()) * 1000n);
    assert.equal(c.pods, 42n);
    assert.ok(c.memory! > 0n);
    assert.ok(c['ephemeral-storage']! > 0n, 'nearest existing ancestor is measured');
  });
});
