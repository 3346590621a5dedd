import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../src/config/duration.js';

test('parses Go durations into milliseconds', () => {
  assert.equal(parseDuration('20s'), 20_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1h0m0s'), 3_600_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('500us'), 0.5);
});

test('rejects what Go rejects', () => {
  for (const bad of ['', '20', 's', '1d', '1m 30s', '--1s', 'abc']) {
    assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  }
});

test('formats back in Go style', () => {
  assert.equal(formatDuration(20_000), '20s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_600_000), '1h0m0s');
});
