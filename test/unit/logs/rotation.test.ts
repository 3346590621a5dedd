import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { rotateIfNeeded, rotationStamp } from '../../../src/logs/rotation.js';
import { tempDir } from '../../helpers/manifests.js';

describe('container log rotation', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.cleanup());

  test('stamps in Go layout 20060102-150405, UTC', () => {
    assert.equal(rotationStamp(new Date(Date.UTC(2026, 10, 5, 3, 4, 5))), '20261105-030405');
  });

  test('rotates past the limit, gzips older files, keeps maxFiles, and reopens', async () => {
    const log = join(dir.path, '0.log');
    const policy = { maxBytes: 10, maxFiles: 3 };
    let reopened = 0;
    const reopen = async (): Promise<void> => {
      reopened++;
      await writeFile(log, '');
    };
    await writeFile(log, 'short');
    assert.equal(await rotateIfNeeded(log, policy, reopen), false, 'below the limit');
    for (let i = 0; i < 4; i++) {
      await writeFile(log, `content ${i} is long enough`);
      assert.equal(await rotateIfNeeded(log, policy, reopen, new Date(Date.UTC(2026, 0, 1, 0, 0, i))), true);
    }
    assert.equal(reopened, 4);
    const names = (await readdir(dir.path)).sort();
    assert.deepEqual(names, ['0.log', '0.log.20260101-000002.gz', '0.log.20260101-000003']);
    assert.equal(gunzipSync(await readFile(join(dir.path, '0.log.20260101-000002.gz'))).toString(), 'content 2 is long enough');
    assert.equal(await readFile(join(dir.path, '0.log.20260101-000003'), 'utf8'), 'content 3 is long enough');
  });

  test('a runtime that cannot reopen gets its file back under the old name', async () => {
    const log = join(dir.path, 'x.log');
    await writeFile(log, 'this is long enough');
    await assert.rejects(rotateIfNeeded(log, { maxBytes: 5, maxFiles: 2 }, () => Promise.reject(new Error('no'))), /no/);
    assert.equal(await readFile(log, 'utf8'), 'this is long enough');
    assert.deepEqual((await readdir(dir.path)).filter((n) => n.startsWith('x.log')), ['x.log']);
  });
});
