import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorRetryDelay } from '../../../src/pods/worker.js';

describe('pod worker error retries', () => {
  test('quick at first (races after a restart end within a second or two), then doubling to 2 s', () => {
    const delays = Array.from({ length: 12 }, (_, streak) => errorRetryDelay(streak));
    assert.deepEqual(delays, [250, 250, 250, 250, 250, 250, 250, 250, 500, 1_000, 2_000, 2_000]);
    assert.equal(errorRetryDelay(1_000), 2_000);
  });
});
