import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { SystemdNotifier, watchdogFromEnv, WatchdogConfigError } from '../../../src/systemd/notify.js';

test('watchdog settings from WATCHDOG_USEC / WATCHDOG_PID', () => {
  assert.equal(watchdogFromEnv({}), undefined);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: '0' }), undefined);
  assert.deepEqual(watchdogFromEnv({ WATCHDOG_USEC: '30000000' }), { timeoutMs: 30_000, intervalMs: 15_000 });
  assert.deepEqual(watchdogFromEnv({ WATCHDOG_USEC: '4000000', WATCHDOG_PID: String(process.pid) }), { timeoutMs: 4_000, intervalMs: 2_000 });
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: '4000000', WATCHDOG_PID: '1' }), undefined, 'meant for another process');
  assert.throws(() => watchdogFromEnv({ WATCHDOG_USEC: '1000000' }), WatchdogConfigError);
  assert.throws(() => watchdogFromEnv({ WATCHDOG_USEC: '500000' }), /must be over 1 s/);
  assert.throws(() => watchdogFromEnv({ WATCHDOG_USEC: 'x' }), WatchdogConfigError);
});

test('a no-op without NOTIFY_SOCKET', async () => {
  const sent: string[][] = [];
  const n = new SystemdNotifier({ logger: silentLogger(), env: {}, send: async (f) => void sent.push([...f]) });
  await n.ready();
  n.status('x');
  n.startWatchdog(() => undefined);
  await n.stopping();
  assert.deepEqual(sent, []);
});

test('pings only while healthy; STATUS deduplicated and rate-limited; STOPPING on shutdown', async () => {
  const sent: string[][] = [];
  let unhealthy: string | undefined;
  const n = new SystemdNotifier({ logger: silentLogger(), env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1200000' }, send: async (f) => void sent.push([...f]), statusMinIntervalMs: 50 });
  n.startWatchdog(() => unhealthy);
  await new Promise((r) => setTimeout(r, 1_300));
  const pings = (): number => sent.filter((f) => f[0] === 'WATCHDOG=1').length;
  const healthyPings = pings();
  assert.ok(healthyPings >= 2 && healthyPings <= 4, `pings ${healthyPings}`);
  unhealthy = 'stuck';
  await new Promise((r) => setTimeout(r, 1_300));
  assert.equal(pings(), healthyPings, 'no pings while unhealthy');
  n.status('a');
  n.status('b');
  await new Promise((r) => setTimeout(r, 20));
  n.status('b');
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(sent.filter((f) => f[0]!.startsWith('STATUS=')).map((f) => f[0]), ['STATUS=b']);
  await n.stopping();
  assert.deepEqual(sent.at(-1), ['STOPPING=1', 'STATUS=stopping; pods are left running']);
});
