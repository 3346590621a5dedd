import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FALLBACK_LOG_BYTES, prepareTerminationMessageFile, terminationMessage } from '../../../src/pods/termination.js';
import { CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION, CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION, type ContainerStatus } from '../../../src/runtime/index.js';
import { tempDir } from '../../helpers/manifests.js';

function status(id: string, over: Partial<ContainerStatus>): ContainerStatus {
  return {
    id,
    metadata: { name: 'app' },
    state: 'exited',
    createdAt: 0,
    startedAt: 0,
    finishedAt: 0,
    exitCode: 1,
    image: '',
    imageRef: '',
    reason: '',
    message: '',
    labels: {},
    annotations: {},
    mounts: [],
    logPath: '',
    ...over,
  };
}

describe('termination messages', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.cleanup());

  test('each instance gets a world-writable file; only the current and previous are kept', async () => {
    const node = { rootDir: dir.path };
    for (let n = 0; n < 5; n++) await prepareTerminationMessageFile(node, 'u1', 'app', n);
    const files = await readdir(join(dir.path, 'pods', 'u1', 'containers', 'app'));
    assert.deepEqual(files.sort(), ['termination-log-3', 'termination-log-4']);
    assert.equal((await stat(join(dir.path, 'pods', 'u1', 'containers', 'app', 'termination-log-4'))).mode & 0o777, 0o666);
  });

  test('the file wins, cut at 4096 bytes; the log tail only with FallbackToLogsOnError after a failure', async () => {
    const file = join(dir.path, 'msg');
    await writeFile(file, 'x'.repeat(5000));
    const annotations = { [CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION]: '/dev/termination-log', [CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION]: 'FallbackToLogsOnError' };
    const mounts = [{ containerPath: '/dev/termination-log', hostPath: file }];
    assert.equal((await terminationMessage(status('a', { annotations, mounts }))).length, 4096);

    const log = join(dir.path, '0.log');
    const lines = Array.from({ length: 200 }, (_, i) => `2026-11-25T10:00:00.000000000Z stdout F line ${i} ${'y'.repeat(20)}`);
    await writeFile(log, `${lines.join('\n')}\n`);
    const empty = join(dir.path, 'empty');
    await writeFile(empty, '');
    const fromLog = await terminationMessage(status('b', { annotations, mounts: [{ containerPath: '/dev/termination-log', hostPath: empty }], logPath: log }));
    assert.ok(fromLog.endsWith(`line 199 ${'y'.repeat(20)}`), fromLog.slice(-40));
    assert.ok(Buffer.byteLength(fromLog) <= FALLBACK_LOG_BYTES);
    assert.equal(await terminationMessage(status('c', { annotations, mounts: [], logPath: log, exitCode: 0 })), '');
    const filePolicy = { ...annotations, [CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION]: 'File' };
    assert.equal(await terminationMessage(status('d', { annotations: filePolicy, mounts: [], logPath: log })), '');
    assert.equal(await terminationMessage(status('e', { state: 'running', annotations, mounts, logPath: log })), '');
  });
});
