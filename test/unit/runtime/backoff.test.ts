import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exponentialDelay, KeyedBackoff } from '../../../src/runtime/index.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('KeyedBackoff (kubelet image back-off numbers)', () => {
  it('doubles from 10 s to a 5 min ceiling', () => {
    const c = clock();
    const b = new KeyedBackoff({ baseMs: 10_000, maxMs: 300_000, now: c.now });
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(b.next('img'));
      c.advance(1_000);
    }
    assert.deepEqual(seen, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('reports the remaining wait and ends the back-off when it has elapsed', () => {
    const c = clock();
    const b = new KeyedBackoff({ baseMs: 10_000, maxMs: 300_000, now: c.now });
    assert.equal(b.remaining('img'), 0);
    b.next('img');
    assert.equal(b.remaining('img'), 10_000);
    assert.ok(b.isInBackoff('img'));
    c.advance(9_999);
    assert.equal(b.remaining('img'), 1);
    c.advance(1);
    assert.equal(b.remaining('img'), 0);
    assert.ok(!b.isInBackoff('img'));
    assert.equal(b.get('img'), 10_000, 'the delay is remembered for the next failure');
    assert.equal(b.next('img'), 20_000);
  });

  it('starts over after 2 x max of quiet', () => {
    const c = clock();
    const b = new KeyedBackoff({ baseMs: 100, maxMs: 1_000, now: c.now });
    b.next('k');
    b.next('k');
    assert.equal(b.get('k'), 200);
    c.advance(2_000);
    assert.equal(b.get('k'), 200, 'exactly 2 x max is not yet expired');
    c.advance(1);
    assert.equal(b.get('k'), 0);
    assert.equal(b.next('k'), 100);
  });

  it('keeps keys independent, and reset/gc drop them', () => {
    const c = clock();
    const b = new KeyedBackoff({ baseMs: 100, maxMs: 1_000, now: c.now });
    b.next('a');
    b.next('a');
    b.next('b');
    assert.equal(b.get('a'), 200);
    assert.equal(b.get('b'), 100);
    b.reset('a');
    assert.equal(b.get('a'), 0);
    c.advance(5_000);
    b.gc();
    assert.equal(b.next('b'), 100);
  });

  it('rejects nonsensical settings', () => {
    assert.throws(() => new KeyedBackoff({ baseMs: 0, maxMs: 10 }), RangeError);
    assert.throws(() => new KeyedBackoff({ baseMs: 20, maxMs: 10 }), RangeError);
  });
});

describe('exponentialDelay', () => {
  it('doubles per attempt and caps', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => exponentialDelay(n, 50, 1_000)), [50, 100, 200, 400, 800, 1_000]);
    assert.equal(exponentialDelay(5_000, 50, 1_000), 1_000);
  });
});

describe('KeyedBackoff with event times (kubelet container back-off)', () => {
  it('counts the wait from the failure and restarts the first crash at once', () => {
    const c = clock();
    const b = new KeyedBackoff({ baseMs: 10_000, maxMs: 300_000, now: c.now });
    // First exit: no entry, so no wait; the restart records 10 s.
    assert.equal(b.remainingSince('c', c.now()), 0);
    assert.equal(b.next('c', c.now()), 10_000);
    c.advance(2_000);
    const finished = c.now();
    c.advance(3_000);
    assert.equal(b.remainingSince('c', finished), 7_000);
    c.advance(7_000);
    assert.equal(b.remainingSince('c', finished), 0);
    assert.equal(b.next('c', finished), 20_000);
  });

  it('starts over when the container ran longer than twice the ceiling', () => {
    const c = clock();
    const b = new KeyedBackoff({ baseMs: 10_000, maxMs: 300_000, now: c.now });
    b.next('c');
    b.next('c');
    c.advance(601_000);
    assert.equal(b.remainingSince('c', c.now()), 0);
    assert.equal(b.next('c', c.now()), 10_000);
  });
});
