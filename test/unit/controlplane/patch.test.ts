import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NODE_STATUS_STRATEGIES, twoWayMergePatch } from '../../../src/controlplane/patch.js';

const cond = (type: string, status: string, hb = 't0', tr = 't0') => ({ type, status, lastHeartbeatTime: hb, lastTransitionTime: tr, reason: `R${status}`, message: 'm' });

test('nothing changed: no patch', () => {
  const n = { metadata: { name: 'n' }, status: { conditions: [cond('Ready', 'True')], capacity: { cpu: '2' } } };
  assert.equal(twoWayMergePatch(n, structuredClone(n), NODE_STATUS_STRATEGIES), undefined);
});

test('conditions merge by type, keeping order; unchanged ones are left out', () => {
  const a = { status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'True')] } };
  const b = { status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'False', 't1', 't1')] } };
  assert.deepEqual(twoWayMergePatch(a, b, NODE_STATUS_STRATEGIES), {
    status: {
      conditions: [{ type: 'Ready', status: 'False', lastHeartbeatTime: 't1', lastTransitionTime: 't1', reason: 'RFalse' }],
      '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
    },
  });
});

test('maps merge by key, removed keys are null; lists without a strategy are replaced; addresses with $patch replace', () => {
  const a = { status: { capacity: { cpu: '2', 'hugepages-2Mi': '0' }, images: [{ names: ['a'], sizeBytes: 1 }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
  const b = { status: { capacity: { cpu: '4' }, images: [{ names: ['b'], sizeBytes: 2 }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }] } };
  assert.deepEqual(twoWayMergePatch(a, b, NODE_STATUS_STRATEGIES), {
    status: {
      capacity: { cpu: '4', 'hugepages-2Mi': null },
      images: [{ names: ['b'], sizeBytes: 2 }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }, { $patch: 'replace' }],
    },
  });
});

test('a removed merge-keyed element is deleted by its key; new elements come whole', () => {
  const a = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' }] } };
  const b = { spec: { taints: [{ key: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }] } };
  assert.deepEqual(twoWayMergePatch(a, b, NODE_STATUS_STRATEGIES), {
    spec: {
      taints: [{ key: 'c', effect: 'NoExecute' }, { key: 'a', $patch: 'delete' }],
      '$setElementOrder/taints': [{ key: 'b' }, { key: 'c' }],
    },
  });
});
