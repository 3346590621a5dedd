import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pickInstance, readCompleteLines, restartCounts } from '../../../src/logs/files.js';
import { readLogs } from '../../../src/logs/follow.js';
import type { LogLine } from '../../../src/logs/cri-format.js';

const entry = (sec: number, text: string, tag = 'F', stream = 'stdout'): string => `2026-11-25T10:00:${String(sec).padStart(2, '0')}Z ${stream} ${tag} ${text}\n`;

describe('log files and following', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-logs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('restart counts sort numerically; current and previous instances', async () => {
    const c = join(dir, 'counts');
    await mkdir(c);
    for (const n of ['0.log', '2.log', '10.log', 'junk', '1.log.tmp']) await writeFile(join(c, n), '');
    assert.deepEqual(await restartCounts(c), [0, 2, 10]);
    assert.equal(pickInstance([0, 2, 10], false), 10);
    assert.equal(pickInstance([0, 2, 10], true), 2);
    assert.equal(pickInstance([0], true), undefined);
    assert.deepEqual(await restartCounts(join(dir, 'missing')), []);
  });

  test('a line still being written is left for the next read', async () => {
    const f = join(dir, 'partial.log');
    await writeFile(f, `${entry(1, 'a')}2026-11-25T10:00:02Z stdout F b`);
    const r = await readCompleteLines(f, 0);
    assert.equal(r.text, entry(1, 'a'));
    await appendFile(f, '\n');
    const r2 = await readCompleteLines(f, r.next);
    assert.equal(r2.text, entry(2, 'b'));
  });

  test('without --follow the whole instance is printed, tail applied', async () => {
    const c = join(dir, 'plain');
    await mkdir(c);
    await writeFile(join(c, '0.log'), entry(1, 'one') + entry(2, 'two') + entry(3, 'thr', 'P') + entry(4, 'ee'));
    const got: LogLine[] = [];
    await readLogs({ containerDir: c, instance: 0, follow: false, tail: 2 }, (l) => got.push(l));
    assert.deepEqual(got.map((l) => l.text), ['two', 'three']);
  });

  test('--follow prints appended lines, moves to the next restart file and stops when done', async () => {
    const c = join(dir, 'follow');
    await mkdir(c);
    await writeFile(join(c, '0.log'), entry(1, 'first'));
    const got: string[] = [];
    let stop = false;
    const run = readLogs({ containerDir: c, instance: 0, follow: true, pollMs: 20, doneCheckMs: 0, done: async () => stop }, (l) => got.push(l.text));
    const until = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(1);
    await appendFile(join(c, '0.log'), entry(2, 'second'));
    await until(2);
    await appendFile(join(c, '0.log'), entry(3, 'last words', 'P'));
    await writeFile(join(c, '1.log'), entry(4, 'after restart'));
    await until(4);
    stop = true;
    await run;
    assert.deepEqual(got, ['first', 'second', 'last words', 'after restart']);
  });

  test('--follow carries on across a log rotation, finishing the rotated file first', async () => {
    const c = join(dir, 'rotate');
    await mkdir(c);
    const live = join(c, '0.log');
    await writeFile(live, entry(1, 'before'));
    const got: string[] = [];
    let stop = false;
    const run = readLogs({ containerDir: c, instance: 0, follow: true, pollMs: 20, doneCheckMs: 0, done: async () => stop }, (l) => got.push(l.text));
    for (let i = 0; i < 200 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    // The runtime wrote a last line to the old file before it reopened.
    const rotated = join(c, '0.log.20261125-100002');
    await rename(live, rotated);
    await appendFile(rotated, entry(2, 'last in old'));
    await writeFile(live, entry(3, 'first in new'));
    for (let i = 0; i < 200 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await run;
    assert.deepEqual(got, ['before', 'last in old', 'first in new']);
  });
});
