import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rename, rm, symlink, unlink, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../../../src/logging/logger.js';
import { DirectorySource, type DirectorySourceOptions } from '../../../src/sources/directory.js';
import type { SourceBatch } from '../../../src/sources/types.js';
import { eventually, tempDir } from '../../helpers/manifests.js';

/** Applies batches the way the config pipeline does, so the test sees the source's view. */
class Mirror {
  readonly files = new Map<string, string>();
  readonly errors = new Map<string, string>();
  readonly batches: SourceBatch[] = [];
  deletions = 0;
  readonly onBatch = (b: SourceBatch): void => {
    this.batches.push(b);
    for (const u of b.updates) {
      if ('deleted' in u) {
        this.deletions++;
        this.files.delete(u.location);
        this.errors.delete(u.location);
      } else if ('error' in u) {
        this.errors.set(u.location, u.error);
      } else {
        this.files.set(u.location, Buffer.from(u.content).toString());
        this.errors.delete(u.location);
      }
    }
  };
  names(): string[] {
    return [...this.files.keys()].map((p) => p.slice(p.lastIndexOf('/') + 1)).sort();
  }
}

describe('directory source', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let source: DirectorySource | undefined;
  let m: Mirror;

  beforeEach(async () => {
    dir = await tempDir();
    m = new Mirror();
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await dir.cleanup();
  });

  async function start(opts: Partial<DirectorySourceOptions> = {}, path = dir.path): Promise<DirectorySource> {
    source = new DirectorySource({ path, logger: silentLogger(), maxBytes: 1024 * 1024, rescanMs: 60_000, missingPollMs: 50, ...opts });
    await source.start(m.onBatch);
    return source;
  }
  const f = (name: string) => join(dir.path, name);

  test('initial listing is one full batch, sorted, ignoring dotfiles, swap files and subdirectories', async () => {
    await writeFile(f('b.yaml'), 'b');
    await writeFile(f('a.yaml'), 'a');
    await writeFile(f('.hidden.yaml'), 'x');
    await writeFile(f('.a.yaml.swp'), 'x');
    await writeFile(f('a.yaml~'), 'x');
    await writeFile(f('4913'), 'x');
    await writeFile(f('.#a.yaml'), 'x');
    await mkdir(f('sub'));
    await writeFile(f('sub/c.yaml'), 'c');
    await start();
    assert.equal(m.batches.length, 1);
    assert.equal(m.batches[0]!.full, true);
    assert.deepEqual(m.batches[0]!.updates.map((u) => u.location), [f('a.yaml'), f('b.yaml')]);
  });

  test('create, modify and delete are reported', async () => {
    await start();
    await writeFile(f('a.yaml'), 'one');
    await eventually(() => m.files.get(f('a.yaml')) === 'one', { what: 'create' });
    await writeFile(f('a.yaml'), 'two');
    await eventually(() => m.files.get(f('a.yaml')) === 'two', { what: 'modify' });
    await unlink(f('a.yaml'));
    await eventually(() => !m.files.has(f('a.yaml')), { what: 'delete' });
  });

  test('writes in quick succession end in the last content (chokidar drops changes for 50 ms)', async () => {
    await writeFile(f('a.yaml'), 'v0');
    await start();
    for (let i = 1; i <= 20; i++) {
      await writeFile(f('a.yaml'), `v${i}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await eventually(() => m.files.get(f('a.yaml')) === 'v20', { what: 'last write', timeoutMs: 2000 });
  });

  test('dotfiles and editor scratch files created later are ignored', async () => {
    await start();
    for (const n of ['.x.yaml', '.web.yaml.swp', '.web.yaml.swx', 'web.yaml~', '4913', '.#web.yaml']) await writeFile(f(n), 'x');
    await writeFile(f('real.yaml'), 'r');
    await eventually(() => m.files.has(f('real.yaml')), { what: 'real file' });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(m.names(), ['real.yaml']);
  });

  test('an atomic rename over an existing file is one update and never a deletion', async () => {
    await writeFile(f('web.yaml'), 'v1');
    await start();
    await writeFile(f('.web.yaml.tmp'), 'v2');
    await rename(f('.web.yaml.tmp'), f('web.yaml'));
    await eventually(() => m.files.get(f('web.yaml')) === 'v2', { what: 'renamed content' });
    assert.equal(m.deletions, 0);
  });

  test('an editor that deletes and recreates on save does not cause a deletion', async () => {
    await writeFile(f('web.yaml'), 'v1');
    await start();
    await rename(f('web.yaml'), f('web.yaml~'));
    await writeFile(f('web.yaml'), 'v2');
    await unlink(f('web.yaml~'));
    await eventually(() => m.files.get(f('web.yaml')) === 'v2', { what: 'new content' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(m.deletions, 0);
  });

  test('a partial write ends in the complete content', async () => {
    await start();
    await writeFile(f('p.yaml'), 'first half,');
    await new Promise((r) => setTimeout(r, 60));
    await appendFile(f('p.yaml'), ' second half');
    await eventually(() => m.files.get(f('p.yaml')) === 'first half, second half', { what: 'complete content' });
  });

  test('a burst of 200 files arrives completely and in few batches', async () => {
    await start();
    await Promise.all(Array.from({ length: 200 }, (_, i) => writeFile(f(`pod-${String(i).padStart(3, '0')}.yaml`), `n${i}`)));
    await eventually(() => m.files.size === 200, { what: '200 files', timeoutMs: 10_000 });
    assert.ok(m.batches.length < 60, `expected coalesced batches, got ${m.batches.length}`);
    await Promise.all(Array.from({ length: 200 }, (_, i) => unlink(f(`pod-${String(i).padStart(3, '0')}.yaml`))));
    await eventually(() => m.files.size === 0, { what: 'all deleted', timeoutMs: 10_000 });
  });

  test('a directory created late is picked up; removing it removes its manifests', async () => {
    const late = join(dir.path, 'manifests');
    await start({}, late);
    assert.equal(m.batches.length, 1, 'the missing directory still reports an (empty) full listing');
    assert.equal(m.batches[0]!.updates.length, 0);
    await mkdir(late);
    await writeFile(join(late, 'a.yaml'), 'a');
    await eventually(() => m.files.get(join(late, 'a.yaml')) === 'a', { what: 'late directory content' });
    await rm(late, { recursive: true });
    await eventually(() => m.files.size === 0, { what: 'directory removal' });
    await mkdir(late);
    await writeFile(join(late, 'b.yaml'), 'b');
    await eventually(() => m.files.get(join(late, 'b.yaml')) === 'b', { what: 'recreated directory' });
  });

  test('a directory replaced by another one is followed', async () => {
    const live = join(dir.path, 'manifests');
    await mkdir(live);
    await writeFile(join(live, 'a.yaml'), 'a');
    await start({}, live);
    assert.deepEqual(m.names(), ['a.yaml']);
    const next = join(dir.path, 'manifests.next');
    await mkdir(next);
    await writeFile(join(next, 'b.yaml'), 'b');
    // Swapped the way configuration management does it: the old directory moved away, the new one in.
    await rename(live, join(dir.path, 'manifests.old'));
    await rename(next, live);
    await eventually(() => m.names().join() === 'b.yaml', { what: 'the new directory only' });
    await writeFile(join(live, 'c.yaml'), 'c');
    await eventually(() => m.files.get(join(live, 'c.yaml')) === 'c', { what: 'a file written into the new directory' });
  });

  test('a symlinked directory follows its link when the link is swapped to another directory', async () => {
    const v1 = join(dir.path, 'v1');
    const v2 = join(dir.path, 'v2');
    await mkdir(v1);
    await mkdir(v2);
    await writeFile(join(v1, 'a.yaml'), 'a');
    await writeFile(join(v2, 'b.yaml'), 'b');
    const live = join(dir.path, 'live');
    await symlink(v1, live);
    await start({}, live);
    assert.deepEqual(m.names(), ['a.yaml']);
    await symlink(v2, join(dir.path, 'live.next'));
    await rename(join(dir.path, 'live.next'), live);
    await eventually(() => m.names().join() === 'b.yaml', { what: 'the new target only' });
    await writeFile(join(v2, 'c.yaml'), 'c');
    await eventually(() => m.names().join() === 'b.yaml,c.yaml', { what: 'a file written into the new target' });
  });

  test('the periodic rescan repairs a state that missed its events', async () => {
    await start({ rescanMs: 100 });
    // Simulate a lost event: stop the watcher's view by writing while pretending nothing happened.
    const internals = source as unknown as { known: Map<string, unknown> };
    await writeFile(f('a.yaml'), 'a');
    await eventually(() => m.files.has(f('a.yaml')));
    m.files.delete(f('a.yaml'));
    internals.known.delete(f('a.yaml'));
    await eventually(() => m.files.get(f('a.yaml')) === 'a', { what: 'rescan', timeoutMs: 2000 });
  });

  test('oversize files and unreadable entries are reported as errors, not read', async () => {
    await writeFile(f('big.yaml'), Buffer.alloc(4096, 'a'));
    await start({ maxBytes: 1024 });
    assert.match(m.errors.get(f('big.yaml'))!, /4096 bytes, over the limit of 1024 bytes/);
    await writeFile(f('big.yaml'), 'small');
    await eventually(() => m.files.get(f('big.yaml')) === 'small', { what: 'recovery' });
  });

  test('symlinked manifests are followed, dangling links ignored', async () => {
    const other = await tempDir();
    try {
      await writeFile(join(other.path, 'real.yaml'), 'linked');
      await symlink(join(other.path, 'real.yaml'), f('link.yaml'));
      await symlink(join(other.path, 'nothing.yaml'), f('dangling.yaml'));
      await start();
      assert.deepEqual(m.names(), ['link.yaml']);
      assert.equal(m.files.get(f('link.yaml')), 'linked');
    } finally {
      await other.cleanup();
    }
  });

  test('unchanged content is not reported again on rescan', async () => {
    await writeFile(f('a.yaml'), 'a');
    const s = await start();
    const before = m.batches.length;
    await s.resync();
    assert.equal(m.batches.length, before + 1);
    assert.equal(m.batches.at(-1)!.updates.length, 0);
  });
});
