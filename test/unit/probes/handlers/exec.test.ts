import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { EXEC_CALL_SLACK_MS, execProbe, PROBE_OUTPUT_LIMIT } from '../../../../src/probes/handlers/index.js';
import { DeadlineExceededError, fromGrpcError, NotFoundError, type CallOptions, type ExecResult, type Runtime } from '../../../../src/runtime/index.js';
import { target } from './helpers.js';

interface Call {
  containerId: string;
  cmd: string[];
  timeoutSeconds: number;
  opts: CallOptions | undefined;
}

/** A Runtime with only execSync, answering with `reply` and recording each call. */
function fakeRuntime(reply: () => Promise<ExecResult>): { runtime: Runtime; calls: Call[] } {
  const calls: Call[] = [];
  const execSync = (containerId: string, cmd: string[], timeoutSeconds: number, opts?: CallOptions): Promise<ExecResult> => {
    calls.push({ containerId, cmd, timeoutSeconds, opts });
    return reply();
  };
  return { runtime: { execSync } as unknown as Runtime, calls };
}

const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), exitCode });
const probe = (...command: string[]) => ({ exec: { command } });

describe('exec probe', () => {
  test('exit 0 is success; the call carries the timeout in seconds and a longer call deadline', async () => {
    const { runtime, calls } = fakeRuntime(async () => out('fine\n'));
    const r = await execProbe(probe('cat', '/tmp/healthy'), target({ runtime, containerId: 'abc' }), 1500);
    assert.deepEqual(r, { outcome: 'success', message: 'fine' });
    assert.deepEqual(calls, [{ containerId: 'abc', cmd: ['cat', '/tmp/healthy'], timeoutSeconds: 2, opts: { timeoutMs: 1500 + EXEC_CALL_SLACK_MS } }]);
  });

  test('a sub-second timeout still asks the runtime for 1s (0 would mean no timeout)', async () => {
    const { runtime, calls } = fakeRuntime(async () => out(''));
    await execProbe(probe('true'), target({ runtime }), 200);
    assert.equal(calls[0]?.timeoutSeconds, 1);
  });

  test('non-zero exit is a failure with the command, the code and the trimmed output', async () => {
    const { runtime } = fakeRuntime(async () => out('partial\n', 'no such file\n', 1));
    const r = await execProbe(probe('sh', '-c', 'cat /nope'), target({ runtime }), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: 'command "sh -c cat /nope" exited with 1: partial\nno such file' });
  });

  test('non-zero exit without output has no trailing colon', async () => {
    const { runtime } = fakeRuntime(async () => out('', '', 3));
    const r = await execProbe(probe('false'), target({ runtime }), 1000);
    assert.equal(r.message, 'command "false" exited with 3');
  });

  test('output is limited to 10 KiB', async () => {
    const { runtime } = fakeRuntime(async () => out('x'.repeat(50_000), 'tail', 2));
    const r = await execProbe(probe('spam'), target({ runtime }), 1000);
    assert.equal(r.outcome, 'failure');
    assert.equal(r.message, `command "spam" exited with 2: ${'x'.repeat(PROBE_OUTPUT_LIMIT)}`);
  });

  test('a runtime DeadlineExceeded is a timed-out failure', async () => {
    const { runtime } = fakeRuntime(() => Promise.reject(new DeadlineExceededError('ExecSync', 'context deadline exceeded')));
    const r = await execProbe(probe('sleep', '10'), target({ runtime }), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: 'command "sleep 10" timed out' });
  });

  test('a timeout flattened to UNKNOWN with the Go text is recognised too', async () => {
    const err = fromGrpcError('ExecSync', Object.assign(new Error('x'), { code: status.UNKNOWN, details: 'failed to exec in container: timeout 1s exceeded: context deadline exceeded' }));
    const { runtime } = fakeRuntime(() => Promise.reject(err));
    const r = await execProbe(probe('sleep', '10'), target({ runtime }), 1000);
    assert.equal(r.message, 'command "sleep 10" timed out');
  });

  test('other runtime errors are failures with their text; nothing throws', async () => {
    const { runtime } = fakeRuntime(() => Promise.reject(new NotFoundError('ExecSync', 'container "abc" not found')));
    const r = await execProbe(probe('true'), target({ runtime }), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: 'ExecSync: container "abc" not found' });
  });

  test('an empty command fails without calling the runtime', async () => {
    const { runtime, calls } = fakeRuntime(async () => out(''));
    const r = await execProbe({ exec: { command: [] } }, target({ runtime }), 1000);
    assert.equal(r.outcome, 'failure');
    assert.equal(calls.length, 0);
  });
});
