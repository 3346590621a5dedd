// API-server failures are logged once when a loop starts failing and once when it works again,
// never per retry, however the error text varies between retries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CoordinationV1Api, CoreV1Api, V1Lease } from '@kubernetes/client-node';
import type { NodeResources } from '../../../src/admission/index.js';
import { Backoff, FailureGroup, jitterUntil, OnceLogger, Waker } from '../../../src/controlplane/backoff.js';
import { LeaseController } from '../../../src/controlplane/lease.js';
import { initialNode, type NodeFacts, type RuntimeFacts } from '../../../src/controlplane/node-object.js';
import { NodeStatusReporter } from '../../../src/controlplane/node-status.js';
import { registerNode } from '../../../src/controlplane/registration.js';
import { nodeLabels } from '../../../src/node/labels.js';

function recorder() {
  const lines: Array<{ level: string; msg: string; o: Record<string, unknown> }> = [];
  const at = (level: string) => (o: object, msg: string) => void lines.push({ level, msg, o: o as Record<string, unknown> });
  return { lines, log: { warn: at('warn'), info: at('info'), debug: at('debug') }, count: (level: string) => lines.filter((l) => l.level === level).length };
}

/** Errors as the client throws them while the server is away: the text varies. */
const OUTAGE = ['connect ECONNREFUSED 127.0.0.1:6443', 'The operation was aborted due to timeout', 'socket hang up', 'connect ECONNREFUSED 127.0.0.1:6443'];
const outage = (i: number) => new Error(OUTAGE[i % OUTAGE.length]);

const facts: NodeFacts = {
  nodeName: 'node-1',
  nodeIP: '10.0.0.5',
  port: 10250,
  labels: nodeLabels('node-1', {}),
  taints: [],
  machine: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1.0', osImage: 'Debian', operatingSystem: 'linux', architecture: 'amd64' },
  resources: { capacity: { cpu: 1000n, memory: 1n << 30n, pods: 110n }, allocatable: { cpu: 1000n, memory: 1n << 30n, pods: 110n } } as unknown as NodeResources,
  maxImages: 0,
};
const up: RuntimeFacts = { status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], info: {} } };

test('OnceLogger: one warning per outage whatever the retries say, one line on recovery', () => {
  const r = recorder();
  let now = 0;
  const log = new OnceLogger(r.log, () => now);
  for (let i = 0; i < 50; i++) {
    now += 1000;
    log.failed('failed to renew lease', outage(i).message);
  }
  assert.equal(r.count('warn'), 1);
  assert.equal(r.lines[0]!.o['err'], OUTAGE[0]);
  assert.equal(log.since, 1000);
  log.ok('lease renewed again');
  log.ok('lease renewed again');
  assert.equal(r.count('info'), 1, 'one recovery line, and none while healthy');
  assert.deepEqual({ ...r.lines.find((l) => l.level === 'info')!.o }, { failedForMs: 49_000, failures: 50, lastError: OUTAGE[1] });
  log.failed('failed to renew lease', 'again');
  assert.equal(r.count('warn'), 2, 'a new outage is a new state');
  assert.equal(log.failing, 'again');
});

test('registration: a refused server over many retries logs once, and once when registered', async () => {
  const r = recorder();
  let calls = 0;
  const core = {
    createNode: async ({ body }: { body: unknown }) => {
      if (calls++ < 8) throw outage(calls);
      return body;
    },
  } as unknown as CoreV1Api;
  const node = await registerNode({ core, build: async () => initialNode(facts, up, Date.now()), log: new OnceLogger(r.log), signal: new AbortController().signal, backoff: new Backoff(1, 1) });
  assert.equal(node?.metadata.name, 'node-1');
  assert.equal(calls, 9);
  assert.equal(r.count('warn'), 1);
  assert.equal(r.count('info'), 1);
});

test('node status: failing periods log once, the recovery once', async () => {
  const r = recorder();
  let failing = true;
  let i = 0;
  const current = initialNode(facts, up, Date.now());
  const core = {
    readNode: async () => {
      if (failing) throw outage(i++);
      return current;
    },
    patchNodeStatus: async () => {
      if (failing) throw outage(i++);
      return current;
    },
  } as unknown as CoreV1Api;
  const reporter = new NodeStatusReporter({ core, facts, probe: async () => ({ status: new Error('runtime down') }), reportFrequencyMs: 60_000, log: new OnceLogger(r.log) });
  reporter.node = current;
  for (let period = 0; period < 6; period++) await reporter.sync();
  assert.equal(r.count('warn'), 1, r.lines.map((l) => l.msg).join('; '));
  assert.match(reporter.lastResult ?? '', /^update node status exceeds retry count: /);
  failing = false;
  await reporter.sync();
  await reporter.sync();
  assert.equal(r.count('warn'), 1);
  assert.equal(r.count('info'), 1);
  assert.equal(reporter.lastResult, 'ok');
});

test('lease: an outage across update, ensure and create retries logs once, the renewal once', async () => {
  const r = recorder();
  let down = true;
  let i = 0;
  let stored: V1Lease | undefined;
  const fail = async () => {
    throw outage(i++);
  };
  const coordination = {
    readNamespacedLease: async () => (down ? fail() : stored ?? Promise.reject(Object.assign(new Error('not found'), { code: 404 }))),
    createNamespacedLease: async ({ body }: { body: V1Lease }) => (down ? fail() : (stored = body)),
    replaceNamespacedLease: async ({ body }: { body: V1Lease }) => (down ? fail() : (stored = body)),
  } as unknown as CoordinationV1Api;
  const core = { readNode: async () => (down ? fail() : { metadata: { uid: 'u1' } }) } as unknown as CoreV1Api;
  const lease = new LeaseController({ coordination, core, nodeName: 'node-1', leaseDurationSeconds: 40, log: new OnceLogger(r.log) });
  const stop = new AbortController();
  // First the lease exists and is cached; then the server goes away for a while.
  down = false;
  await lease.sync(stop.signal);
  assert.ok(stored);
  down = true;
  const syncing = lease.sync(stop.signal);
  // The ensure loop retries (200, 400, 800 ms ...) while down.
  await new Promise((res) => setTimeout(res, 1_700));
  assert.ok(i >= 8, `retried (${i} failed calls)`);
  down = false;
  await syncing;
  await lease.sync(stop.signal);
  assert.equal(r.count('warn'), 1, r.lines.map((l) => `${l.level} ${l.msg}`).join('; '));
  assert.equal(r.count('info'), 1);
  stop.abort();
});

test('a Lease that works again after failing calls onRecovered once; a Waker cuts the status wait short', async () => {
  let down = true;
  let recovered = 0;
  const lease: V1Lease = { metadata: { name: 'node-1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'u1' }] }, spec: {} };
  const coordination = {
    readNamespacedLease: async () => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : lease),
    replaceNamespacedLease: async ({ body }: { body: V1Lease }) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : body),
  } as unknown as CoordinationV1Api;
  const c = new LeaseController({ coordination, core: {} as CoreV1Api, nodeName: 'node-1', leaseDurationSeconds: 40, log: new OnceLogger(recorder().log), onRecovered: () => recovered++ });
  const stop = new AbortController();
  const syncing = c.sync(stop.signal);
  await new Promise((res) => setTimeout(res, 300));
  down = false;
  await syncing;
  await c.sync(stop.signal);
  assert.equal(recovered, 1);

  const waker = new Waker();
  let rounds = 0;
  const loop = jitterUntil(async () => void rounds++, 60_000, stop.signal, 0.04, waker);
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(rounds, 1);
  waker.wake();
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(rounds, 2, 'woken: the next round ran without waiting the period');
  stop.abort();
  await loop;
});

test('a group (Lease and status on one client): one warning for an outage of both, one line when both work', () => {
  const r = recorder();
  const group = new FailureGroup();
  const lease = new OnceLogger(r.log, Date.now, group);
  const status = new OnceLogger(r.log, Date.now, group);
  for (let i = 0; i < 5; i++) {
    lease.failed('failed to update lease', outage(i).message);
    status.failed('update node status exceeds retry count', outage(i + 1).message);
  }
  assert.equal(r.count('warn'), 1);
  lease.ok('lease renewed again');
  assert.equal(r.count('info'), 0, 'the status still fails');
  status.ok('node status updated again');
  assert.equal(r.count('info'), 1);
  // A loop failing on its own while the other is fine is still its own state, logged once.
  for (let i = 0; i < 3; i++) lease.failed('failed to update lease', '403: forbidden');
  status.ok('node status updated again');
  assert.equal(r.count('warn'), 2);
});
