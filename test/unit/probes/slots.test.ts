import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { SlotTimer } from '../../../src/probes/slots.js';

describe('SlotTimer', () => {
  test('aligns up to slot boundaries', () => {
    const s = new SlotTimer(100, () => 0);
    assert.deepEqual([s.align(0), s.align(1), s.align(100), s.align(101)], [0, 100, 100, 200]);
  });

  test('callbacks due in one slot share a single timer and all run, even after one throws', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const spy = mock.method(globalThis, 'setTimeout');
    try {
      const s = new SlotTimer(100, () => 0);
      const ran: string[] = [];
      s.at(100, () => ran.push('a'));
      s.at(100, () => {
        throw new Error('bug');
      });
      s.at(100, () => ran.push('c'));
      s.at(200, () => ran.push('d'));
      assert.equal(spy.mock.callCount(), 2);
      mock.timers.tick(100);
      assert.deepEqual(ran, ['a', 'c']);
      mock.timers.tick(100);
      assert.deepEqual(ran, ['a', 'c', 'd']);
      // A fired slot is forgotten: the same due time arms a new timer.
      s.at(300, () => ran.push('e'));
      assert.equal(spy.mock.callCount(), 3);
    } finally {
      spy.mock.restore();
      mock.timers.reset();
    }
  });
});
