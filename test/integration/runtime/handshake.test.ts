import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runtimeInfo } from '../../../src/cli/commands/runtime.js';
import { connectRuntime, InvalidEndpointError, RuntimeNotReadyError } from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

describe('handshake and `staticlet runtime info`', () => {
  let env: ContainerdEnv;
  let scratch: string;

  before(async () => {
    env = await startContainerd();
    scratch = await mkdtemp(join(tmpdir(), 'stl-hs-'));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
    await env?.down();
  });

  it('prints name, versions and conditions', async () => {
    const out = new Capture();
    const err = new Capture();
    const code = await runtimeInfo({ containerRuntimeEndpoint: env.endpoint }, { stdout: out, stderr: err });
    assert.equal(code, 0, err.text);
    assert.match(out.text, /Runtime:\s+containerd/);
    assert.match(out.text, /CRI API:\s+v1/);
    assert.match(out.text, /RuntimeReady\s+true/);
    assert.match(out.text, /NetworkReady\s+true/);
  });

  it('prints JSON with --output json', async () => {
    const out = new Capture();
    const code = await runtimeInfo({ containerRuntimeEndpoint: env.endpoint, output: 'json' }, { stdout: out, stderr: new Capture() });
    assert.equal(code, 0);
    const doc = JSON.parse(out.text) as { ready: boolean; version: { runtimeName: string }; conditions: unknown[] };
    assert.equal(doc.ready, true);
    assert.equal(doc.version.runtimeName, 'containerd');
    assert.equal(doc.conditions.length, 2);
  });

  it('reports a wrong endpoint in one clear line', async () => {
    const missing = `unix://${join(scratch, 'nope.sock')}`;
    const t0 = Date.now();
    await assert.rejects(connectRuntime({ endpoint: missing, timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof RuntimeNotReadyError);
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, /nope\.sock is not reachable: no such socket/);
      return true;
    });
    assert.ok(Date.now() - t0 < 3_000);

    const err = new Capture();
    const code = await runtimeInfo({ containerRuntimeEndpoint: missing, timeout: 1 }, { stdout: new Capture(), stderr: err });
    assert.equal(code, 1);
    assert.equal(err.text.split('\n').filter(Boolean).length, 1, err.text);
    assert.match(err.text, /^staticlet runtime info: container runtime endpoint unix:\/\/.*nope\.sock is not reachable/);
  });

  it('rejects a path that is not a socket and a non-unix scheme', async () => {
    const file = join(scratch, 'plain-file');
    await writeFile(file, '');
    await assert.rejects(connectRuntime({ endpoint: `unix://${file}`, timeoutMs: 300 }), /is not a unix socket/);
    await assert.rejects(connectRuntime({ endpoint: 'tcp://127.0.0.1:1' }), InvalidEndpointError);
    const err = new Capture();
    assert.equal(await runtimeInfo({ containerRuntimeEndpoint: 'http://x' }, { stdout: new Capture(), stderr: err }), 2);
    assert.match(err.text, /scheme "http" is not supported/);
  });

  it('reports a socket that does not speak CRI in one line', async () => {
    // containerd's ttrpc socket is a live unix socket with a different protocol.
    const err = new Capture();
    const code = await runtimeInfo({ containerRuntimeEndpoint: `unix://${env.socket}.ttrpc`, timeout: 2 }, { stdout: new Capture(), stderr: err });
    assert.equal(code, 1);
    assert.equal(err.text.split('\n').filter(Boolean).length, 1, err.text);
  });
});
