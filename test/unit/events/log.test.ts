import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { containerOfFieldPath, EventLog, rfc3339Seconds } from '../../../src/events/index.js';
import type { EventTarget } from '../../../src/events/index.js';
import { createLogger } from '../../../src/logging/logger.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');

function clock(start = T0): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const web: EventTarget = { namespace: 'default', name: 'web-edge-1', uid: 'uid-web' };
const webMain: EventTarget = { ...web, fieldPath: 'spec.containers{main}' };

function capture(): { stream: PassThrough; lines(): Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return {
    stream,
    lines: () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('EventLog', () => {
  test('records an event shaped like core/v1 Event, timestamps at seconds precision', () => {
    const c = clock(T0 + 789);
    const log = new EventLog({ host: 'edge-1', now: c.now });
    log.record(webMain, 'Normal', 'Started', 'Started container main');
    assert.deepEqual(log.list('uid-web'), [
      {
        type: 'Normal',
        reason: 'Started',
        message: 'Started container main',
        count: 1,
        firstTimestamp: '2026-11-25T10:00:00Z',
        lastTimestamp: '2026-11-25T10:00:00Z',
        involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'default', name: 'web-edge-1', uid: 'uid-web', fieldPath: 'spec.containers{main}' },
        source: { component: 'staticlet', host: 'edge-1' },
      },
    ]);
  });

  test('repeats of the same type, reason, message and field path are aggregated', () => {
    const c = clock();
    const log = new EventLog({ host: 'edge-1', now: c.now });
    log.record(webMain, 'Warning', 'BackOff', 'Back-off restarting failed container main');
    c.advance(10_000);
    log.record(webMain, 'Normal', 'Pulled', 'image present');
    c.advance(20_000);
    log.record(webMain, 'Warning', 'BackOff', 'Back-off restarting failed container main');
    c.advance(40_000);
    log.record(webMain, 'Warning', 'BackOff', 'Back-off restarting failed container main');
    const events = log.list('uid-web');
    assert.equal(events.length, 2);
    // The repeated event moved to the end: the list is ordered by last occurrence.
    assert.deepEqual(
      events.map((e) => [e.reason, e.count, e.firstTimestamp, e.lastTimestamp]),
      [
        ['Pulled', 1, '2026-11-25T10:00:10Z', '2026-11-25T10:00:10Z'],
        ['BackOff', 3, '2026-11-25T10:00:00Z', '2026-11-25T10:01:10Z'],
      ],
    );
  });

  test('a different message, type, field path or pod is a different event', () => {
    const log = new EventLog({ host: 'edge-1', now: clock().now });
    log.record(webMain, 'Warning', 'Failed', 'Error: a');
    log.record(webMain, 'Warning', 'Failed', 'Error: b');
    log.record(webMain, 'Normal', 'Failed', 'Error: a');
    log.record({ ...web, fieldPath: 'spec.initContainers{setup}' }, 'Warning', 'Failed', 'Error: a');
    log.record(web, 'Warning', 'Failed', 'Error: a');
    log.record({ ...web, uid: 'uid-other' }, 'Warning', 'Failed', 'Error: a');
    assert.equal(log.list('uid-web').length, 5);
    assert.equal(log.list('uid-other').length, 1);
  });

  test('the per-pod ring drops the oldest entries beyond perPod', () => {
    const c = clock();
    const log = new EventLog({ host: 'edge-1', perPod: 3, now: c.now });
    for (let i = 0; i < 5; i++) {
      log.record(web, 'Normal', 'Tick', `tick ${i}`);
      c.advance(1000);
    }
    assert.deepEqual(
      log.list('uid-web').map((e) => e.message),
      ['tick 2', 'tick 3', 'tick 4'],
    );
    // A repeat refreshes an entry so it is not the next to go.
    log.record(web, 'Normal', 'Tick', 'tick 2');
    log.record(web, 'Normal', 'Tick', 'tick 5');
    assert.deepEqual(
      log.list('uid-web').map((e) => e.message),
      ['tick 4', 'tick 2', 'tick 5'],
    );
  });

  test('pods beyond maxPods are evicted least recently updated first', () => {
    const log = new EventLog({ host: 'edge-1', maxPods: 2, now: clock().now });
    const pod = (uid: string): EventTarget => ({ namespace: 'default', name: uid, uid });
    log.record(pod('a'), 'Normal', 'Created', 'x');
    log.record(pod('b'), 'Normal', 'Created', 'x');
    log.record(pod('a'), 'Normal', 'Started', 'x');
    log.record(pod('c'), 'Normal', 'Created', 'x');
    assert.equal(log.list('b').length, 0, 'b was the least recently updated');
    assert.equal(log.list('a').length, 2);
    assert.equal(log.list('c').length, 1);
  });

  test('forget drops a pod; list hands out copies', () => {
    const log = new EventLog({ host: 'edge-1', now: clock().now });
    log.record(web, 'Normal', 'Scheduled', 'x');
    const [e] = log.list('uid-web');
    e!.count = 99;
    e!.involvedObject.name = 'mutated';
    assert.equal(log.list('uid-web')[0]!.count, 1);
    assert.equal(log.list('uid-web')[0]!.involvedObject.name, 'web-edge-1');
    log.forget('uid-web');
    assert.deepEqual(log.list('uid-web'), []);
    assert.deepEqual(log.list('never-seen'), []);
  });

  test('invalid limits are rejected', () => {
    assert.throws(() => new EventLog({ host: 'h', perPod: 0 }), RangeError);
    assert.throws(() => new EventLog({ host: 'h', maxPods: 1.5 }), RangeError);
  });

  test('every record is logged: info for Normal, warn for Warning, with pod, uid, reason, container, count', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, format: 'json' });
    const log = new EventLog({ host: 'edge-1', logger, now: clock().now });
    log.record(webMain, 'Normal', 'Started', 'Started container main');
    log.record({ ...web, fieldPath: 'spec.initContainers{setup}' }, 'Warning', 'BackOff', 'Back-off restarting failed container setup');
    log.record({ ...web, fieldPath: 'spec.initContainers{setup}' }, 'Warning', 'BackOff', 'Back-off restarting failed container setup');
    log.record(web, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    const lines = out.lines().map(({ level, msg, pod, uid, reason, container, count }) => ({ level, msg, pod, uid, reason, container, count }));
    assert.deepEqual(lines, [
      { level: 30, msg: 'Started container main', pod: 'default/web-edge-1', uid: 'uid-web', reason: 'Started', container: 'main', count: 1 },
      { level: 40, msg: 'Back-off restarting failed container setup', pod: 'default/web-edge-1', uid: 'uid-web', reason: 'BackOff', container: 'setup', count: 1 },
      { level: 40, msg: 'Back-off restarting failed container setup', pod: 'default/web-edge-1', uid: 'uid-web', reason: 'BackOff', container: 'setup', count: 2 },
      { level: 30, msg: 'Pod sandbox changed, it will be killed and re-created.', pod: 'default/web-edge-1', uid: 'uid-web', reason: 'SandboxChanged', container: undefined, count: 1 },
    ]);
  });
});

describe('event helpers', () => {
  test('containerOfFieldPath reads kubelet field paths', () => {
    assert.equal(containerOfFieldPath('spec.containers{httpd}'), 'httpd');
    assert.equal(containerOfFieldPath('spec.initContainers{setup}'), 'setup');
    assert.equal(containerOfFieldPath('spec.volumes'), undefined);
    assert.equal(containerOfFieldPath(undefined), undefined);
  });

  test('rfc3339Seconds truncates to whole seconds', () => {
    assert.equal(rfc3339Seconds(Date.parse('2026-11-25T10:00:00.999Z')), '2026-11-25T10:00:00Z');
  });

  test('subscribers see every record, repeats included, and can unsubscribe; a throwing one breaks nothing', () => {
    const log = new EventLog({ host: 'edge-1', now: clock().now });
    const seen: string[] = [];
    const off = log.subscribe((t, type, reason, message) => seen.push(`${t.uid} ${t.fieldPath ?? '-'} ${type} ${reason} ${message}`));
    log.subscribe(() => {
      throw new Error('listener bug');
    });
    log.record(webMain, 'Warning', 'BackOff', 'back-off');
    log.record(webMain, 'Warning', 'BackOff', 'back-off');
    off();
    log.record(web, 'Normal', 'Killing', 'stopping');
    assert.deepEqual(seen, ['uid-web spec.containers{main} Warning BackOff back-off', 'uid-web spec.containers{main} Warning BackOff back-off']);
    assert.equal(log.list('uid-web').length, 2);
  });
});
