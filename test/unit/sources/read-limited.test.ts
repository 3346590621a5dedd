import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { readLimited } from '../../../src/sources/read-limited.js';
import { tempDir } from '../../helpers/manifests.js';

describe('readLimited', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let dir: string;
  before(async () => {
    tmp = await tempDir('read-limited-');
    dir = tmp.path;
  });
  after(() => tmp.cleanup());

  const content = (r: Awaited<ReturnType<typeof readLimited>>): string => {
    assert.ok('content' in r, JSON.stringify(r));
    return Buffer.from(r.content).toString('latin1');
  };

  it('reads files of every size up to the limit exactly', async () => {
    for (const size of [0, 1, 4095, 4096, 65_535, 65_536, 65_537, 200_000]) {
      const body = Buffer.alloc(size, 'a');
      if (size > 0) body[size - 1] = 0x7a; // the last byte must arrive too
      const f = join(dir, `f${size}`);
      await writeFile(f, body);
      assert.equal(content(await readLimited(f, 200_000)), body.toString('latin1'), `size ${size}`);
    }
  });

  it('reads a file as large as its stat size in one read (every rescan re-reads all manifests)', async () => {
    const f = join(dir, 'one-read');
    await writeFile(f, Buffer.alloc(150_000, 'c'));
    const probe = await open(f);
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => unknown };
    await probe.close();
    const reads = mock.method(proto, 'read');
    try {
      assert.equal(content(await readLimited(f, 200_000)).length, 150_000);
      assert.equal(reads.mock.callCount(), 1);
    } finally {
      reads.mock.restore();
    }
  });

  it('refuses a file one byte over the limit', async () => {
    const f = join(dir, 'big');
    await writeFile(f, Buffer.alloc(1001, 'b'));
    const r = await readLimited(f, 1000);
    assert.equal('error' in r ? r.error : r, 'file is 1001 bytes, over the limit of 1000 bytes');
    assert.equal(content(await readLimited(f, 1001)).length, 1001);
  });

  it('reads files whose stat size says nothing of their content (procfs)', async () => {
    // /proc files report size 0: the read must go on past the stat size until EOF.
    const text = content(await readLimited('/proc/self/status', 1 << 20));
    assert.match(text, /^Name:/);
    assert.match(text, /VmRSS|Threads/);
  });

  it('tells missing files and directories apart', async () => {
    assert.deepEqual(await readLimited(join(dir, 'nope'), 10), { missing: true });
    assert.deepEqual(await readLimited(dir, 10), { notFile: true });
  });
});
