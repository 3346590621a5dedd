import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, OnceLogger } from '../../../../src/controlplane/backoff.js';
import { EventSink } from '../../../../src/controlplane/events/sink.js';
import type { EventWriter } from '../../../../src/controlplane/events/writer.js';
import type { CoreEvent, RepeatPatch } from '../../../../src/controlplane/events/types.js';
import { silentLogger } from '../../../../src/logging/logger.js';

function ev(name: string, count = 1): CoreEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: 'web', uid: 'h' },
    reason: 'BackOff',
    message: 'm',
    source: { component: 'kubelet', host: 'n' },
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:00:00Z',
    count,
    type: 'Warning',
    reportingComponent: 'kubelet',
    reportingInstance: 'n',
  };
}
const patch = (count: number): RepeatPatch => ({ count, lastTimestamp: '2026-01-01T00:00:09Z', message: 'm' });
const httpError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

/** A fake API: stored events by name; `down` refuses with a connection error. */
function fakeApi() {
  const stored = new Map<string, CoreEvent>();
  const calls: string[] = [];
  let down = false;
  const writer: EventWriter = {
    create: async (e) => {
      calls.push(`POST ${e.metadata.name} ${e.count}`);
      if (down) throw new Error('connect ECONNREFUSED');
      if (stored.has(e.metadata.name)) throw httpError(409);
      stored.set(e.metadata.name, e);
    },
    patch: async (_ns, name, p) => {
      calls.push(`PATCH ${name} ${p.count}`);
      if (down) throw new Error('connect ECONNREFUSED');
      const e = stored.get(name);
      if (!e) throw httpError(404);
      stored.set(name, { ...e, ...p });
    },
  };
  return { writer, stored, calls, setDown: (d: boolean) => (down = d) };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function sink(limit: number) {
  const logger = silentLogger();
  return new EventSink({ limit, logger, outage: new OnceLogger(logger), backoff: new Backoff(5, 10) });
}

describe('EventSink', () => {
  test('creates, then patches repeats', async () => {
    const api = fakeApi();
    const s = sink(10);
    const stop = new AbortController();
    const run = s.run(api.writer, stop.signal);
    s.enqueue({ skip: false, event: ev('a') });
    await tick();
    s.enqueue({ skip: false, event: ev('a', 2), patch: patch(2) });
    await tick();
    stop.abort();
    await run;
    assert.deepEqual(api.calls, ['POST a 1', 'PATCH a 2']);
    assert.equal(api.stored.get('a')?.count, 2);
    assert.deepEqual({ posts: s.stats.posts, patches: s.stats.patches }, { posts: 1, patches: 1 });
  });

  test('API server down: bounded queue, oldest dropped and counted, the rest sent on return', async () => {
    const api = fakeApi();
    api.setDown(true);
    const s = sink(5);
    const stop = new AbortController();
    const run = s.run(api.writer, stop.signal);
    for (let i = 0; i < 20; i++) s.enqueue({ skip: false, event: ev(`e${i}`) });
    await tick(30);
    assert.ok(s.queued <= 5, `queued ${s.queued}`);
    assert.ok(s.stats.dropped >= 15, `dropped ${s.stats.dropped}`);
    api.setDown(false);
    await tick(50);
    stop.abort();
    await run;
    assert.deepEqual([...api.stored.keys()].sort(), ['e15', 'e16', 'e17', 'e18', 'e19']);
    assert.equal(s.stats.dropped, 15);
  });

  test('repeats while queued merge into one create with the latest count', async () => {
    const api = fakeApi();
    api.setDown(true);
    const s = sink(5);
    const stop = new AbortController();
    const run = s.run(api.writer, stop.signal);
    s.enqueue({ skip: false, event: ev('a') });
    await tick();
    for (let n = 2; n <= 6; n++) s.enqueue({ skip: false, event: ev('a', n), patch: patch(n) });
    assert.equal(s.queued, 1);
    api.setDown(false);
    await tick(50);
    stop.abort();
    await run;
    assert.equal(api.stored.get('a')?.count, 6);
    assert.equal(api.stored.size, 1);
  });

  test('a patch of an Event the server no longer has re-creates it whole', async () => {
    const api = fakeApi();
    const s = sink(5);
    const stop = new AbortController();
    const run = s.run(api.writer, stop.signal);
    s.enqueue({ skip: false, event: ev('gone', 3), patch: patch(3) });
    await tick(20);
    stop.abort();
    await run;
    assert.deepEqual(api.calls, ['PATCH gone 3', 'POST gone 3']);
    assert.equal(api.stored.get('gone')?.count, 3);
  });

  test('a refusal (403) drops the event and goes on', async () => {
    const api = fakeApi();
    const s = sink(5);
    const stop = new AbortController();
    const writer: EventWriter = { ...api.writer, create: async (e) => (e.metadata.name === 'bad' ? Promise.reject(httpError(403)) : api.writer.create(e)) };
    const run = s.run(writer, stop.signal);
    s.enqueue({ skip: false, event: ev('bad') });
    s.enqueue({ skip: false, event: ev('good') });
    await tick(20);
    stop.abort();
    await run;
    assert.deepEqual([...api.stored.keys()], ['good']);
    assert.equal(s.stats.refused, 1);
  });

  test('a spam-filtered event is not queued', () => {
    const s = sink(5);
    s.enqueue({ skip: true });
    assert.equal(s.queued, 0);
  });

  test('stopping does not wait for a request in flight', async () => {
    const s = sink(5);
    const stop = new AbortController();
    const hung: EventWriter = { create: () => new Promise(() => undefined), patch: () => new Promise(() => undefined) };
    const run = s.run(hung, stop.signal);
    s.enqueue({ skip: false, event: ev('a') });
    await tick();
    const t0 = Date.now();
    stop.abort();
    await run;
    assert.ok(Date.now() - t0 < 100);
  });

  test('refusals of one kind (status, namespace) are one warning', async () => {
    const warned: string[] = [];
    const logger = { ...silentLogger(), warn: (_o: object, m: string) => void warned.push(m), debug: () => undefined } as unknown as ReturnType<typeof silentLogger>;
    const s = new EventSink({ limit: 10, logger, outage: new OnceLogger(silentLogger()), backoff: new Backoff(5, 10) });
    const stop = new AbortController();
    const writer: EventWriter = { create: async () => Promise.reject(httpError(404)), patch: async () => undefined };
    const run = s.run(writer, stop.signal);
    for (let i = 0; i < 5; i++) s.enqueue({ skip: false, event: ev(`e${i}`) });
    await tick(20);
    stop.abort();
    await run;
    assert.equal(s.stats.refused, 5);
    assert.equal(warned.length, 1, warned.join(' | '));
  });
});
