import assert from 'node:assert/strict';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LogLine } from '../../../src/logs/cri-format.js';
import { readLogs } from '../../../src/logs/follow.js';
import { tempDir } from '../../helpers/manifests.js';

const MiB = 1024 * 1024;
const T = '2024-01-01T00:00:00.000000000Z';

/** About 1 MiB of fixed-width full stdout lines, "line 000000" to "line 020163". */
function block(): { bytes: Buffer; lines: number } {
  const one = (i: number): string => `${T} stdout F line ${String(i).padStart(6, '0')}\n`;
  const lines = Math.floor(MiB / one(0).length);
  return { bytes: Buffer.from(Array.from({ length: lines }, (_, i) => one(i)).join('')), lines };
}

/**
 * Writes `blocks` copies of the block, then `end` (whole CRI lines); returns how many lines
 * the blocks hold. The same buffer is written over and over: the file is real (not sparse) and
 * the test spends its time reading, not formatting.
 */
async function writeLog(path: string, blocks: number, end = ''): Promise<number> {
  const b = block();
  const fh = await open(path, 'w');
  try {
    for (let i = 0; i < blocks; i++) await fh.write(b.bytes, 0, b.bytes.length);
    if (end) await fh.write(end);
  } finally {
    await fh.close();
  }
  return b.lines * blocks;
}

interface Growth {
  rss: number;
  arrayBuffers: number;
  ms: number;
}

/**
 * Runs `work` and reports the largest growth of RSS and of Buffer memory over what they were
 * before, sampled from a timer (the reader awaits every chunk, so the timer gets its turns) and
 * from `sample`, which the test calls from its line callback.
 */
async function measure(work: (sample: () => void) => Promise<void>): Promise<Growth> {
  const base = process.memoryUsage();
  const peak = { rss: 0, arrayBuffers: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss - base.rss);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers - base.arrayBuffers);
  };
  const timer = setInterval(sample, 5);
  const t0 = Date.now();
  try {
    await work(sample);
  } finally {
    clearInterval(timer);
  }
  sample();
  return { ...peak, ms: Date.now() - t0 };
}

const report = (what: string, g: Growth): void => {
  console.log(`${what}: ${g.ms} ms, RSS +${(g.rss / MiB).toFixed(1)} MiB, Buffers +${(g.arrayBuffers / MiB).toFixed(1)} MiB`);
};

describe('staticlet logs on large files, in bounded memory', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir('stl-biglogs-');
  });
  after(() => dir.cleanup());

  test('--tail 5 of a 600 MiB log reads back from its end only', async () => {
    const c = join(dir.path, 'tail');
    await mkdir(c);
    // The last lines mix a joined partial line and the other stream, so that the tail counts
    // logical lines, not the file's lines.
    const end = [`${T} stdout F last 1`, `${T} stdout P last`, `${T} stderr F last 3`, `${T} stdout F  2`, `${T} stdout F last 4`, `${T} stdout F last 5`, ''].join('\n');
    await writeLog(join(c, '0.log'), 600, end);
    const got: LogLine[] = [];
    const g = await measure(() => readLogs({ containerDir: c, instance: 0, follow: false, tail: 5 }, (l) => got.push(l)));
    report('tail 5 of 600 MiB', g);
    assert.deepEqual(
      got.map((l) => `${l.stream} ${l.text}`),
      ['stdout last 1', 'stderr last 3', 'stdout last 2', 'stdout last 4', 'stdout last 5'],
    );
    assert.ok(g.rss < 64 * MiB, `RSS grew by ${g.rss} bytes`);
    assert.ok(g.arrayBuffers < 16 * MiB, `Buffers grew by ${g.arrayBuffers} bytes`);
  });

  test('without --tail a 200 MiB log streams through, line by line', async () => {
    const c = join(dir.path, 'all');
    await mkdir(c);
    const lines = await writeLog(join(c, '0.log'), 200, `${T} stderr F the end\n`);
    let n = 0;
    let first: LogLine | undefined;
    let last: LogLine | undefined;
    const g = await measure((sample) =>
      readLogs({ containerDir: c, instance: 0, follow: false }, (l) => {
        first ??= l;
        last = l;
        if (++n % 65_536 === 0) sample();
      }),
    );
    report('all of 200 MiB', g);
    assert.equal(n, lines + 1);
    assert.equal(first?.text, 'line 000000');
    assert.equal(last?.text, 'the end');
    assert.ok(g.rss < 64 * MiB, `RSS grew by ${g.rss} bytes`);
    assert.ok(g.arrayBuffers < 16 * MiB, `Buffers grew by ${g.arrayBuffers} bytes`);
  });
});
