import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeEventTracker } from '../../../../src/controlplane/events/node-events.js';

const conds = (ready: string, memory = 'False') => [
  { type: 'MemoryPressure', status: memory },
  { type: 'DiskPressure', status: 'False' },
  { type: 'PIDPressure', status: 'False' },
  { type: 'Ready', status: ready },
];

describe('NodeEventTracker', () => {
  test('first status: one event per condition, as the kubelet records at registration', () => {
    const t = new NodeEventTracker('edge-1');
    assert.deepEqual(
      t.conditions(conds('False')).map((e) => [e.type, e.reason, e.message]),
      [
        ['Normal', 'NodeHasSufficientMemory', 'Node edge-1 status is now: NodeHasSufficientMemory'],
        ['Normal', 'NodeHasNoDiskPressure', 'Node edge-1 status is now: NodeHasNoDiskPressure'],
        ['Normal', 'NodeHasSufficientPID', 'Node edge-1 status is now: NodeHasSufficientPID'],
        ['Normal', 'NodeNotReady', 'Node edge-1 status is now: NodeNotReady'],
      ],
    );
  });

  test('only flips give events: NodeReady, NodeNotReady, pressure', () => {
    const t = new NodeEventTracker('edge-1');
    t.conditions(conds('False'));
    assert.deepEqual(t.conditions(conds('False')), []);
    assert.deepEqual(t.conditions(conds('True')).map((e) => e.reason), ['NodeReady']);
    assert.deepEqual(t.conditions(conds('True')), []);
    assert.deepEqual(t.conditions(conds('Unknown', 'True')).map((e) => e.reason), ['NodeHasInsufficientMemory', 'NodeNotReady']);
  });

  test('Rebooted when the Node had another boot ID; not on the first one, not when equal', () => {
    const t = new NodeEventTracker('edge-1');
    assert.deepEqual(t.boot(undefined, 'b'), []);
    assert.deepEqual(t.boot('', 'b'), []);
    assert.deepEqual(t.boot('b', 'b'), []);
    assert.deepEqual(t.boot('a', 'b'), [{ type: 'Warning', reason: 'Rebooted', message: 'Node edge-1 has been rebooted, boot id: b' }]);
  });
});
