import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, open, readdir, rename, rm, stat, symlink, unlink, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigPipeline } from '../../../src/config/pipeline.js';
import { DesiredState } from '../../../src/config/desired-state.js';
import { ManifestLoader } from '../../../src/config/manifest.js';
import { createLogger, silentLogger } from '../../../src/logging/logger.js';
import { DirectorySource, type DirectoryFs, type DirectorySourceOptions } from '../../../src/sources/directory.js';
import type { SourceBatch } from '../../../src/sources/types.js';
import { eventually, podYaml, tempDir } from '../../helpers/manifests.js';
import { textSink } from '../../helpers/streams.js';

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

/**
 * The real file system with failures switched on per call: `fail.readdir = 'EACCES'` makes every
 * readdir fail until it is cleared. Calls are counted so a test can see the retries.
 */
function faultyFs(): { fs: DirectoryFs; fail: { stat?: string; readdir?: string; open?: (path: string) => string | undefined }; calls: { stat: number; readdir: number } } {
  const fail: { stat?: string; readdir?: string; open?: (path: string) => string | undefined } = {};
  const calls = { stat: 0, readdir: 0 };
  const injected = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: injected failure, ${syscall} '${path}'`), { code, syscall, path });
  return {
    fail,
    calls,
    fs: {
      stat: (p) => (calls.stat++, fail.stat ? Promise.reject(injected(fail.stat, 'stat', p)) : stat(p)),
      readdir: (p) => (calls.readdir++, fail.readdir ? Promise.reject(injected(fail.readdir, 'scandir', p)) : readdir(p)),
      open: (p, flags) => {
        const code = fail.open?.(p);
        return code ? Promise.reject(injected(code, 'open', p)) : open(p, flags);
      },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  test('a file written slowly is reported once, complete, not as partial copies', async () => {
    await start();
    const full = Array.from({ length: 12 }, (_, i) => `line ${i}\n`).join('');
    const fh = await open(f('slow.yaml'), 'w');
    for (let i = 0; i < 12; i++) {
      await fh.write(`line ${i}\n`);
      await sleep(30);
    }
    await fh.close();
    await eventually(() => m.files.get(f('slow.yaml')) === full, { what: 'complete content', timeoutMs: 3000 });
    await sleep(200);
    const reported = m.batches.flatMap((b) => b.updates).filter((u) => u.location === f('slow.yaml') && 'content' in u);
    assert.deepEqual(reported.map((u) => ('content' in u ? Buffer.from(u.content).toString() : '')), [full]);
  });

  test('a file that never stops changing is still read after maxSettleMs', async () => {
    await start({ maxSettleMs: 300 });
    const fh = await open(f('endless.yaml'), 'w');
    let first: number | undefined;
    const began = Date.now();
    try {
      for (let i = 0; i < 60 && first === undefined; i++) {
        await fh.write(`${i}\n`);
        await sleep(20);
        if (m.files.has(f('endless.yaml'))) first = Date.now() - began;
      }
    } finally {
      await fh.close();
    }
    assert.ok(first !== undefined && first < 1000, `first read after ${first} ms`);
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

  for (const code of ['EACCES', 'EMFILE']) {
    test(`readdir failing with ${code} on a rescan keeps every manifest; after it clears, changes are seen`, async () => {
      await writeFile(f('a.yaml'), 'a');
      await writeFile(f('b.yaml'), 'b');
      const faults = faultyFs();
      const s = await start({ fs: faults.fs });
      assert.deepEqual(m.names(), ['a.yaml', 'b.yaml']);
      faults.fail.readdir = code;
      await s.resync();
      await sleep(200); // several check periods, each of which retries
      assert.ok(faults.calls.readdir > 3, `retried while failing (${faults.calls.readdir} readdir calls)`);
      assert.equal(m.deletions, 0);
      assert.deepEqual(m.names(), ['a.yaml', 'b.yaml']);
      delete faults.fail.readdir;
      await s.resync();
      await writeFile(f('c.yaml'), 'c');
      await unlink(f('a.yaml'));
      await eventually(() => m.names().join() === 'b.yaml,c.yaml', { what: 'changes after recovery' });
    });
  }

  test('stat failing with EIO keeps every manifest until it clears', async () => {
    await writeFile(f('a.yaml'), 'a');
    const faults = faultyFs();
    const s = await start({ fs: faults.fs });
    faults.fail.stat = 'EIO';
    await s.resync();
    await sleep(200);
    assert.equal(m.deletions, 0);
    assert.deepEqual(m.names(), ['a.yaml']);
    delete faults.fail.stat;
    await writeFile(f('a.yaml'), 'a2');
    await eventually(() => m.files.get(f('a.yaml')) === 'a2', { what: 'an edit after recovery' });
  });

  test('a first listing that fails reports nothing (the source stays unsynced) and lists within the check period once it can', async () => {
    await writeFile(f('a.yaml'), 'a');
    const faults = faultyFs();
    faults.fail.readdir = 'EACCES';
    // The rescan is a minute away: only the one-second path check can retry.
    await start({ fs: faults.fs, missingPollMs: 1000 });
    assert.equal(m.batches.length, 0, 'no listing, not an empty one');
    delete faults.fail.readdir;
    const cleared = Date.now();
    await eventually(() => m.batches.length === 1, { what: 'the first listing', timeoutMs: 2500 });
    assert.ok(Date.now() - cleared < 2000);
    assert.equal(m.batches[0]!.full, true);
    assert.deepEqual(m.names(), ['a.yaml']);
  });

  test('ENOENT and ENOTDIR still mean no manifests', async () => {
    const parent = join(dir.path, 'etc');
    const live = join(parent, 'manifests');
    await mkdir(live, { recursive: true });
    await writeFile(join(live, 'a.yaml'), 'a');
    const faults = faultyFs();
    const s = await start({ fs: faults.fs }, live);
    faults.fail.stat = 'ENOENT';
    await s.resync();
    assert.equal(m.files.size, 0, 'an injected ENOENT empties the listing');
    delete faults.fail.stat;
    await eventually(() => m.files.size === 1, { what: 'the directory back' });
    // A parent that is a file: stat says ENOTDIR.
    await rm(parent, { recursive: true });
    await writeFile(parent, 'not a directory');
    await eventually(() => m.files.size === 0, { what: 'ENOTDIR as missing' });
  });

  test('a file that cannot be opened (EMFILE) keeps its last content and is re-read within the check period', async () => {
    await writeFile(f('web.yaml'), podYaml('web'));
    const faults = faultyFs();
    const state = new DesiredState(['file:' + dir.path]);
    const pipeline = new ConfigPipeline(new ManifestLoader({ nodeName: 'n1' }), state, silentLogger());
    source = new DirectorySource({ path: dir.path, logger: silentLogger(), maxBytes: 1 << 20, rescanMs: 60_000, missingPollMs: 50, fs: faults.fs });
    await pipeline.add(source);
    const [pod] = state.pods();
    assert.equal(pod?.fullName, 'default/web-n1');
    faults.fail.open = (p) => (p.endsWith('web.yaml') ? 'EMFILE' : undefined);
    await source.resync();
    assert.deepEqual(
      state.pods().map((p) => p.uid),
      [pod.uid],
      'the pod stays desired',
    );
    assert.deepEqual(state.rejections()[0]?.keptPods, [pod.uid]);
    assert.match(state.rejections()[0]!.errors[0]!.message, /EMFILE/);
    delete faults.fail.open;
    await eventually(() => state.rejections().length === 0, { what: 're-read after the failure', timeoutMs: 1000 });
    assert.deepEqual(
      state.pods().map((p) => p.uid),
      [pod.uid],
    );
  });

  test('a failure is logged once, again when its error changes, and its end once', async () => {
    await writeFile(f('a.yaml'), 'a');
    const sink = textSink();
    const faults = faultyFs();
    const s = await start({ fs: faults.fs, logger: createLogger({ format: 'json', destination: sink.stream }) });
    const lines = () =>
      sink
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string; err?: string });
    const warnings = () => lines().filter((l) => l.level === 40);
    faults.fail.readdir = 'EACCES';
    for (let i = 0; i < 3; i++) await s.resync();
    await sleep(200);
    assert.equal(warnings().length, 1, JSON.stringify(warnings()));
    assert.match(warnings()[0]!.err!, /EACCES/);
    faults.fail.readdir = 'EMFILE';
    await s.resync();
    await sleep(200);
    assert.equal(warnings().length, 2);
    assert.match(warnings()[1]!.err!, /EMFILE/);
    delete faults.fail.readdir;
    await s.resync();
    await sleep(200);
    assert.equal(lines().filter((l) => l.level === 30 && /again/.test(l.msg)).length, 1, JSON.stringify(lines()));
    assert.equal(warnings().length, 2);
    assert.equal(m.deletions, 0);
  });

  test('a regular file as the path is one manifest, reported under its own path, and followed', async () => {
    const web = f('web.yaml');
    await writeFile(web, 'v1');
    await writeFile(f('other.yaml'), 'not part of it');
    // The default one-second path check is what notices edits to a file.
    await start({ missingPollMs: 1000 }, web);
    assert.equal(m.batches.length, 1);
    assert.equal(m.batches[0]!.full, true);
    assert.deepEqual([...m.files], [[web, 'v1']]);
    // Same size, new content: the modification time tells.
    await sleep(20);
    await writeFile(web, 'v2');
    await eventually(() => m.files.get(web) === 'v2', { what: 'an edit in place', timeoutMs: 2500 });
    await writeFile(f('.web.yaml.tmp'), 'v3, renamed over it');
    await rename(f('.web.yaml.tmp'), web);
    await eventually(() => m.files.get(web) === 'v3, renamed over it', { what: 'a replacement', timeoutMs: 2500 });
    assert.equal(m.deletions, 0);
    await unlink(web);
    await eventually(() => m.files.size === 0, { what: 'the file removed', timeoutMs: 2500 });
  });

  test('the path switching between a file and a directory is followed both ways', async () => {
    const live = join(dir.path, 'manifests');
    await writeFile(live, 'single');
    await start({}, live);
    assert.deepEqual([...m.files], [[live, 'single']]);
    const next = join(dir.path, 'manifests.next');
    await mkdir(next);
    await writeFile(join(next, 'a.yaml'), 'a');
    // rename(2) cannot put a directory over a file.
    await unlink(live);
    await rename(next, live);
    await eventually(() => m.files.size === 1 && m.files.get(join(live, 'a.yaml')) === 'a', { what: 'the directory in place of the file' });
    await writeFile(join(live, 'b.yaml'), 'b');
    await eventually(() => m.names().join() === 'a.yaml,b.yaml', { what: 'the new directory watched' });
    await rm(live, { recursive: true });
    await writeFile(live, 'single again');
    await eventually(() => m.files.size === 1 && m.files.get(live) === 'single again', { what: 'the file in place of the directory' });
  });
});
