import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMBINED_PREFIX, EventCorrelator, eventName, monotonicNanos, type Correlated, type EventInput } from '../../../../src/controlplane/events/correlator.js';
import type { CoreEvent } from '../../../../src/controlplane/events/types.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');

function setup(opts: { cacheSize?: number } = {}) {
  let t = T0;
  let n = 0n;
  const c = new EventCorrelator({ now: () => t, nanos: () => BigInt(t) * 1_000_000n + ++n, ...opts });
  return { c, advance: (ms: number) => (t += ms) };
}

function input(over: Partial<EventInput> = {}, name = 'web-edge-1'): EventInput {
  return {
    namespace: 'default',
    involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name, uid: 'hash-1', fieldPath: 'spec.containers{main}' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container main',
    source: { component: 'kubelet', host: 'edge-1' },
    reportingComponent: 'kubelet',
    reportingInstance: 'edge-1',
    ...over,
  };
}

function sent(r: Correlated): { event: CoreEvent; patch?: { count: number; lastTimestamp: string; message: string } } {
  assert.equal(r.skip, false, 'not filtered');
  return r as Exclude<Correlated, { skip: true }>;
}

describe('EventCorrelator', () => {
  test('a first event is a create named <object>.<hex nanos>, count 1, seconds timestamps', () => {
    const { c } = setup();
    const r = sent(c.correlate(input()));
    assert.equal(r.patch, undefined);
    assert.equal(r.event.metadata.name, `web-edge-1.${(BigInt(T0) * 1_000_000n + 1n).toString(16)}`);
    assert.equal(r.event.metadata.namespace, 'default');
    assert.equal(r.event.count, 1);
    assert.equal(r.event.firstTimestamp, '2026-11-25T10:00:00Z');
    assert.equal(r.event.lastTimestamp, r.event.firstTimestamp);
    assert.deepEqual(r.event.source, { component: 'kubelet', host: 'edge-1' });
  });

  test('identical events: the same Event, count++, a patch of count/lastTimestamp/message', () => {
    const { c, advance } = setup();
    const first = sent(c.correlate(input())).event;
    advance(10_500);
    const again = sent(c.correlate(input()));
    assert.equal(again.event.metadata.name, first.metadata.name);
    assert.equal(again.event.count, 2);
    assert.equal(again.event.firstTimestamp, first.firstTimestamp);
    assert.deepEqual(again.patch, { count: 2, lastTimestamp: '2026-11-25T10:00:10Z', message: first.message });
    advance(20_000);
    assert.equal(sent(c.correlate(input())).patch?.count, 3);
  });

  test('a different field path, type, reason or object is another event', () => {
    const { c } = setup();
    const base = sent(c.correlate(input())).event.metadata.name;
    for (const other of [
      input({ involvedObject: { ...input().involvedObject, fieldPath: 'spec.containers{side}' } }),
      input({ type: 'Normal' }),
      input({ reason: 'Failed' }),
      input({}, 'api-edge-1'),
    ]) {
      const r = sent(c.correlate(other));
      assert.equal(r.patch, undefined);
      assert.notEqual(r.event.metadata.name, base);
    }
  });

  test('the 10th distinct message of one source/object/type/reason in 600 s is combined; further ones patch the combined event', () => {
    const { c, advance } = setup();
    for (let i = 1; i <= 9; i++) {
      const r = sent(c.correlate(input({ message: `m${i}` })));
      assert.equal(r.event.message, `m${i}`);
      assert.equal(r.patch, undefined);
      advance(1_000);
    }
    const tenth = sent(c.correlate(input({ message: 'm10' })));
    assert.equal(tenth.event.message, `${COMBINED_PREFIX}m10`);
    assert.equal(tenth.patch, undefined, 'the combined event is created');
    assert.match(tenth.event.metadata.name, /^web-edge-1\.[0-9a-f]+$/);
    const eleventh = sent(c.correlate(input({ message: 'm11' })));
    assert.equal(eleventh.event.metadata.name, tenth.event.metadata.name);
    assert.deepEqual({ count: eleventh.patch?.count, message: eleventh.patch?.message }, { count: 2, message: `${COMBINED_PREFIX}m11` });
  });

  test('similar messages spread over more than 600 s are not combined', () => {
    const { c, advance } = setup();
    for (let i = 1; i <= 20; i++) {
      const r = sent(c.correlate(input({ message: `m${i}` })));
      assert.equal(r.event.message, `m${i}`);
      if (i % 5 === 0) advance(601_000);
    }
  });

  test('spam filter: 25 events per object at once, then one per 300 s', () => {
    const { c, advance } = setup();
    const results = Array.from({ length: 40 }, (_, i) => c.correlate(input({ reason: `R${i % 3}`, message: `m${i}` })));
    assert.equal(results.filter((r) => !r.skip).length, 25);
    assert.ok(results.slice(0, 25).every((r) => !r.skip) && results.slice(25).every((r) => r.skip));
    assert.equal(c.spamDropped, 15);
    advance(299_000);
    assert.equal(c.correlate(input()).skip, true, 'no token before 300 s');
    advance(1_000);
    assert.equal(c.correlate(input()).skip, false, 'one token after 300 s');
    assert.equal(c.correlate(input()).skip, true);
    // Another object has its own bucket.
    assert.equal(c.correlate(input({}, 'api-edge-1')).skip, false);
  });

  test('repeats dropped by the spam filter still count: the next patch carries them', () => {
    const { c, advance } = setup();
    for (let i = 0; i < 24; i++) c.correlate(input({ message: `x${i % 5}`, reason: 'Other' }));
    assert.equal(sent(c.correlate(input())).event.count, 1); // the 25th token
    assert.equal(c.correlate(input()).skip, true);
    assert.equal(c.correlate(input()).skip, true);
    advance(300_000);
    assert.equal(sent(c.correlate(input())).patch?.count, 4);
  });

  test('caches are LRUs: a deduplication record evicted makes the next repeat a new event', () => {
    const { c } = setup({ cacheSize: 2 });
    const first = sent(c.correlate(input())).event.metadata.name;
    c.correlate(input({}, 'b'));
    c.correlate(input({}, 'c'));
    const r = sent(c.correlate(input()));
    assert.equal(r.patch, undefined);
    assert.notEqual(r.event.metadata.name, first);
  });

  test('event names: hex nanoseconds, strictly increasing even within one clock tick', () => {
    assert.equal(eventName('web', 255n), 'web.ff');
    const next = monotonicNanos(() => T0);
    const a = next();
    const b = next();
    assert.ok(b > a);
    assert.ok(a >= BigInt(T0) * 1_000_000n - 1_000_000_000n);
  });
});
