import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, levelForVerbosity } from '../../../src/logging/logger.js';
import { textSink } from '../../helpers/streams.js';

const capture = textSink;

test('JSON by default when the destination is not a terminal', () => {
  const c = capture();
  createLogger({ destination: c.stream }).info({ pod: 'default/web-n1' }, 'pod added');
  const line = JSON.parse(c.text().trim()) as Record<string, unknown>;
  assert.equal(line.msg, 'pod added');
  assert.equal(line.pod, 'default/web-n1');
  assert.equal(line.level, 30);
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
});

test('--logging-format=text is human-readable', () => {
  const c = capture();
  createLogger({ destination: c.stream, format: 'text' }).warn({ path: '/m' }, 'directory missing');
  assert.match(c.text(), /WARN.*directory missing/);
  assert.throws(() => JSON.parse(c.text()));
});

test('verbosity maps to levels the kubelet way', () => {
  assert.equal(levelForVerbosity(0), 'info');
  assert.equal(levelForVerbosity(2), 'debug');
  assert.equal(levelForVerbosity(5), 'trace');
  const c = capture();
  const quiet = createLogger({ destination: c.stream, verbosity: 0 });
  quiet.debug('hidden');
  createLogger({ destination: c.stream, verbosity: 2 }).debug('shown');
  assert.doesNotMatch(c.text(), /hidden/);
  assert.match(c.text(), /shown/);
});
