import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, createServer, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { tcpProbe } from '../../../../src/probes/handlers/index.js';
import { close, freePort, listen, sleep, target, tcpHandles } from './helpers.js';

/**
 * A listener whose accept queue is full, so new SYNs are dropped and a connect hangs: the only
 * way to get a connect timeout on loopback. The listener runs in a worker whose event loop is
 * parked in Atomics.wait, so nothing is ever accepted; Linux then keeps backlog+1 handshaked
 * connections queued and silently drops the rest.
 */
async function saturatedListener(): Promise<{ port: number; stop: () => Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const srv = require('node:net').createServer(() => {});
     srv.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
       parentPort.postMessage(srv.address().port);
       Atomics.wait(workerData, 0, 0);
     });`,
    { eval: true, workerData: gate },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const fillers: Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    fillers.push(s);
    const connected = await Promise.race([new Promise<boolean>((r) => s.once('connect', () => r(true))), sleep(300).then(() => false)]);
    if (!connected) break;
  }
  return {
    port,
    stop: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}

describe('tcpSocket probe', () => {
  const server = createServer((s) => s.end());
  let port = 0;
  before(async () => {
    port = await listen(server);
  });
  after(() => close(server));

  test('an open port is success', async () => {
    assert.deepEqual(await tcpProbe({ tcpSocket: { port } }, target(), 1000), { outcome: 'success', message: '' });
  });

  test('a named port resolves through the container ports; host overrides the pod IP', async () => {
    const t = target({ podIP: '192.0.2.1', container: { name: 'app', ports: [{ name: 'db', containerPort: port }] } });
    assert.equal((await tcpProbe({ tcpSocket: { port: 'db', host: '127.0.0.1' } }, t, 1000)).outcome, 'success');
    assert.deepEqual(await tcpProbe({ tcpSocket: { port: 'nope' } }, t, 1000), { outcome: 'failure', message: 'port "nope" not found' });
  });

  test('a closed port is a refused-connection failure', async () => {
    const closed = await freePort();
    const r = await tcpProbe({ tcpSocket: { port: closed } }, target(), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });

  test('an out-of-range port fails without dialing', async () => {
    assert.deepEqual(await tcpProbe({ tcpSocket: { port: 70000 } }, target(), 1000), { outcome: 'failure', message: 'invalid port number: 70000' });
  });

  test('a connect that does not finish in time is an i/o timeout', { skip: process.platform !== 'linux' && 'needs Linux accept-queue behaviour' }, async () => {
    const l = await saturatedListener();
    try {
      const started = Date.now();
      const r = await tcpProbe({ tcpSocket: { port: l.port } }, target(), 250);
      assert.deepEqual(r, { outcome: 'failure', message: `dial tcp 127.0.0.1:${l.port}: i/o timeout` });
      assert.ok(Date.now() - started < 1000);
    } finally {
      await l.stop();
    }
  });

  test('probe sockets are closed right away', async () => {
    const before = tcpHandles();
    for (let i = 0; i < 20; i++) await tcpProbe({ tcpSocket: { port } }, target(), 1000);
    await sleep(50);
    assert.ok(tcpHandles() <= before, `${tcpHandles()} TCP handles open, ${before} before`);
  });
});
