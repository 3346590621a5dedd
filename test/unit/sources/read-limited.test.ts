import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readLimited } from '../../../src/sources/read-limited.js';

describe('readLimited', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'read-limited-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

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

  it('refuses a file one byte over the limit', async () => {
    const f = join(dir, 'big');
    await writeFile(f, Buffer.alloc(1001, 'b'));
    assert.deepEqual(await readLimited(f, 1000), { error: 'file is 1001 bytes, over the limit of 1000 bytes' });
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
