import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createServer } from 'node:net';
import { runProbe } from '../../../../src/probes/handlers/index.js';
import type { ExecResult, Runtime } from '../../../../src/runtime/index.js';
import { close, listen, target } from './helpers.js';

describe('runProbe', () => {
  test('a probe without an action fails', async () => {
    assert.deepEqual(await runProbe({ periodSeconds: 10 }, target(), 1000), { outcome: 'failure', message: 'probe has no handler' });
  });

  test('dispatches exec to the runtime', async () => {
    const execSync = async (): Promise<ExecResult> => ({ stdout: Buffer.from('ok'), stderr: Buffer.alloc(0), exitCode: 0 });
    const r = await runProbe({ exec: { command: ['true'] } }, target({ runtime: { execSync } as unknown as Runtime }), 1000);
    assert.equal(r.outcome, 'success');
  });

  test('dispatches tcpSocket to a connect', async () => {
    const server = createServer((s) => s.destroy());
    const port = await listen(server);
    try {
      assert.equal((await runProbe({ tcpSocket: { port } }, target(), 1000)).outcome, 'success');
    } finally {
      await close(server);
    }
  });

  test('an unknown named port is a failure, not a throw', async () => {
    const r = await runProbe({ httpGet: { port: 'metrics' } }, target({ container: { name: 'app', ports: [{ name: 'http', containerPort: 80 }] } }), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: 'port "metrics" not found' });
  });
});
