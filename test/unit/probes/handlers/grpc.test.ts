import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { grpcProbe } from '../../../../src/probes/handlers/index.js';
import { healthService, type HealthCheckRequest, type HealthCheckResponse } from '../../../../src/probes/handlers/health-proto.js';
import { freePort, sleep, target, tcpHandles } from './helpers.js';

function start(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

/** Health answers keyed by service name; "hang" never answers, anything unknown is NOT_FOUND. */
const STATUSES: Record<string, string> = { '': 'SERVING', db: 'SERVING', down: 'NOT_SERVING', unsure: 'UNKNOWN' };

describe('grpc probe', () => {
  const asked: string[] = [];
  const health = new Server();
  const bare = new Server();
  let port = 0;
  let barePort = 0;

  before(async () => {
    health.addService(healthService().service, {
      Check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: sendUnaryData<HealthCheckResponse>) => {
        const service = call.request.service;
        asked.push(service);
        if (service === 'hang') return;
        const s = STATUSES[service];
        if (s === undefined) return cb({ code: status.NOT_FOUND, details: 'unknown service' });
        cb(null, { status: s });
      },
    });
    port = await start(health);
    barePort = await start(bare);
  });
  after(async () => {
    health.forceShutdown();
    await stop(bare);
  });

  const probe = (p: number, service?: string) => ({ grpc: service === undefined ? { port: p } : { port: p, service } });

  test('SERVING is success; the service name defaults to ""', async () => {
    asked.length = 0;
    assert.deepEqual(await grpcProbe(probe(port), target(), 2000), { outcome: 'success', message: 'service healthy' });
    assert.deepEqual(asked, ['']);
  });

  test('the service name is passed through', async () => {
    asked.length = 0;
    assert.equal((await grpcProbe(probe(port, 'db'), target(), 2000)).outcome, 'success');
    assert.deepEqual(asked, ['db']);
  });

  test('NOT_SERVING and UNKNOWN are failures naming the status', async () => {
    assert.deepEqual(await grpcProbe(probe(port, 'down'), target(), 2000), { outcome: 'failure', message: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await grpcProbe(probe(port, 'unsure'), target(), 2000), { outcome: 'failure', message: 'service unhealthy (responded with "UNKNOWN")' });
  });

  test('other RPC errors are failures with the code', async () => {
    const r = await grpcProbe(probe(port, 'nope'), target(), 2000);
    assert.deepEqual(r, { outcome: 'failure', message: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
  });

  test('a server without the Health service is a failure saying so', async () => {
    const r = await grpcProbe(probe(barePort), target(), 2000);
    assert.equal(r.outcome, 'failure');
    assert.match(r.message, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\)/);
  });

  test('an answer later than the timeout is a failure', async () => {
    const r = await grpcProbe(probe(port, 'hang'), target(), 300);
    assert.deepEqual(r, { outcome: 'failure', message: 'timeout: health rpc did not complete within 300ms' });
  });

  test('nothing listening is a connect timeout', async () => {
    const closed = await freePort();
    const started = Date.now();
    const r = await grpcProbe(probe(closed), target(), 300);
    assert.deepEqual(r, { outcome: 'failure', message: `timeout: failed to connect service "127.0.0.1:${closed}" within 300ms: context deadline exceeded` });
    assert.ok(Date.now() - started < 1500);
  });

  test('a server that comes up after a failed probe is seen by the next one', async () => {
    const p = await freePort();
    assert.equal((await grpcProbe(probe(p), target(), 200)).outcome, 'failure');
    const late = new Server();
    late.addService(healthService().service, { Check: (_call: unknown, cb: sendUnaryData<HealthCheckResponse>) => cb(null, { status: 'SERVING' }) });
    await new Promise<void>((resolve, reject) => late.bindAsync(`127.0.0.1:${p}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    try {
      assert.equal((await grpcProbe(probe(p), target(), 1000)).outcome, 'success');
    } finally {
      late.forceShutdown();
    }
  });

  test('each probe closes its channel: sockets do not pile up', async () => {
    await grpcProbe(probe(port), target(), 2000);
    await sleep(100);
    const before = tcpHandles();
    for (let i = 0; i < 30; i++) assert.equal((await grpcProbe(probe(port), target(), 2000)).outcome, 'success');
    await sleep(200);
    assert.ok(tcpHandles() <= before, `${tcpHandles()} TCP handles open, ${before} before`);
  });
});
