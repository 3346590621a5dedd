import assert from 'node:assert/strict';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { lineWriter } from '../../../src/cli/commands/logs.js';
import { LineAssembler, parseCriLine, parseCriLog, selectLines, type LineFilter, type LogLine } from '../../../src/logs/cri-format.js';
import { LogCursor, readCompleteLines } from '../../../src/logs/files.js';
import { readLogs } from '../../../src/logs/follow.js';
import { LineSplitter, LOG_CHUNK_BYTES, MAX_LINE_BYTES, tailStart } from '../../../src/logs/scan.js';
import { tempDir } from '../../helpers/manifests.js';

const ts = (i: number): string => `2026-11-25T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000001Z`;

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A log of up to 400 KB (several read chunks, under PARTIAL_LOOKBACK_BYTES) with both
 * streams, partial entries, lines longer than a chunk, lines that are not CRI entries, blank
 * lines, and sometimes an unterminated end.
 */
function randomLog(rnd: () => number): string {
  const out: string[] = [];
  const entries = 50 + Math.floor(rnd() * 3000);
  let size = 0;
  for (let i = 0; i < entries && size < 400_000; i++) {
    const r = rnd();
    let line: string;
    if (r < 0.03) line = 'not a cri line\n';
    else if (r < 0.05) line = '\n';
    else {
      const stream = rnd() < 0.7 ? 'stdout' : 'stderr';
      const tag = rnd() < 0.35 ? 'P' : 'F';
      const len = rnd() < 0.01 && size < 250_000 ? LOG_CHUNK_BYTES + Math.floor(rnd() * LOG_CHUNK_BYTES) : Math.floor(rnd() * 120);
      line = `${ts(i)} ${stream} ${tag} ${i}:${'x'.repeat(len)}é\n`;
    }
    out.push(line);
    size += line.length;
  }
  let text = out.join('');
  if (rnd() < 0.3) text = text.slice(0, -1);
  return text;
}

async function collect(opts: Parameters<typeof readLogs>[0]): Promise<LogLine[]> {
  const got: LogLine[] = [];
  await readLogs(opts, (l) => got.push(l));
  return got;
}

describe('bounded log reading', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  before(async () => {
    dir = await tempDir('stl-scan-');
  });
  after(() => dir.cleanup());

  test('tail, since and follow pick exactly the lines that parsing the whole file picks', async () => {
    const c = join(dir.path, 'random');
    await mkdir(c);
    const file = join(c, '0.log');
    const rnd = random(13);
    for (let round = 0; round < 16; round++) {
      const text = randomLog(rnd);
      await writeFile(file, text);
      const whole = parseCriLog(text);
      const complete = parseCriLog(text.slice(0, text.lastIndexOf('\n') + 1), new LineAssembler(), false);
      const entries = text.split('\n').filter((l) => parseCriLine(l) !== undefined).length;
      for (const tail of [undefined, -1, 0, 1, 2, 3, 7, 40, Math.floor(entries / 2), entries + 5]) {
        for (const sinceMs of [undefined, Date.parse('2026-11-25T10:00:00Z') + Math.floor(rnd() * entries) * 1000]) {
          const f: LineFilter = { ...(tail !== undefined ? { tail } : {}), ...(sinceMs !== undefined ? { sinceMs } : {}) };
          const what = `round ${round}, tail ${tail}, since ${sinceMs}`;
          assert.deepEqual(await collect({ containerDir: c, instance: 0, follow: false, ...f }), selectLines(whole, f), what);
          // A follower that stops at once prints what was complete when it started.
          const followed = await collect({ containerDir: c, instance: 0, follow: true, signal: AbortSignal.abort(), ...f });
          assert.deepEqual(followed, selectLines(complete, f), `${what}, following`);
        }
      }
    }
  });

  test('a follower started with a tail still joins the line open at the end', async () => {
    const c = join(dir.path, 'open');
    await mkdir(c);
    const file = join(c, '0.log');
    // The open stderr line began long before the last full lines.
    const many = Array.from({ length: 5000 }, (_, i) => `${ts(2)} stdout F line ${i}\n`).join('');
    await writeFile(file, `${ts(0)} stdout F old\n${ts(1)} stderr P begun \n${many}${ts(3)} stderr P still `);
    const got: string[] = [];
    let stop = false;
    const run = readLogs({ containerDir: c, instance: 0, follow: true, tail: 1, pollMs: 10, doneCheckMs: 0, done: async () => stop }, (l) => got.push(l.text));
    for (let i = 0; i < 200 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const fh = await open(file, 'a');
    await fh.write(`going\n${ts(4)} stderr F  and done\n`);
    await fh.close();
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await run;
    assert.deepEqual(got, ['line 4999', 'begun still going and done']);
  });

  test('tailStart reads back only as far as the lines it needs', async () => {
    const file = join(dir.path, 'start.log');
    const line = `${ts(0)} stdout F ${'y'.repeat(80)}\n`;
    // Three MiB of stdout, then a stderr line and the last full lines.
    const body = line.repeat(Math.ceil((3 * 1024 * 1024) / line.length));
    const c = `${ts(1)} stderr F c\n`;
    await writeFile(file, `${body}${ts(1)} stderr P a\n${ts(1)} stdout F b\n${c}`);
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      // Two lines: "ac" (stderr, from its first piece) and "b"; the start is the stderr piece.
      assert.equal(await tailStart(fh, size, 2, true), body.length);
      // One line: "ac" again, its first piece before "b".
      assert.equal(await tailStart(fh, size, 1, true), body.length);
      // Three: one line of the body more; stderr has no earlier entry within the look-back.
      assert.equal(await tailStart(fh, size, 3, true), body.length - line.length);
      // None, for a follower: nothing is open at the end, so what follows the last full stdout line.
      assert.equal(await tailStart(fh, size, 0, false), size - c.length);
    } finally {
      await fh.close();
    }
  });

  test('a line longer than MAX_LINE_BYTES is cut, at a character boundary, and its rest dropped', async () => {
    const got: string[] = [];
    const s = new LineSplitter((t) => got.push(t));
    const head = `${ts(0)} stdout F `;
    // "é" is two bytes; the cut falls in the middle of one of them.
    const long = head + 'a'.repeat(MAX_LINE_BYTES - head.length - 1) + 'é'.repeat(1000);
    const bytes = Buffer.from(`${long}\nnext\n`);
    for (let i = 0; i < bytes.length; i += 7777) s.push(bytes.subarray(i, i + 7777));
    s.end();
    assert.equal(got.length, 2);
    assert.equal(Buffer.byteLength(got[0]!), MAX_LINE_BYTES - 1);
    assert.ok(got[0]!.endsWith('a'));
    assert.equal(got[1], 'next');

    // Read forwards by readLogs and backwards by a tail alike.
    const c = join(dir.path, 'long');
    await mkdir(c);
    await writeFile(join(c, '0.log'), `${long}\n${ts(1)} stdout F after\n${long}`);
    const all = await collect({ containerDir: c, instance: 0, follow: false });
    assert.deepEqual(
      all.map((l) => l.text.length),
      [got[0]!.length - head.length, 5, got[0]!.length - head.length],
    );
    assert.deepEqual(await collect({ containerDir: c, instance: 0, follow: false, tail: 3 }), all);
    assert.deepEqual(await collect({ containerDir: c, instance: 0, follow: false, tail: 1 }), all.slice(2));
  });

  test('a line joined from partial entries is handed out once it reaches the cap', () => {
    const a = new LineAssembler(10);
    const lines = parseCriLog([`${ts(0)} stdout P abcd`, `${ts(1)} stdout P efgh`, `${ts(2)} stdout P ijkl`, `${ts(3)} stdout F mn`, ''].join('\n'), a);
    assert.deepEqual(
      lines.map((l) => [l.timestamp, l.text]),
      [
        [ts(0), 'abcdefghijkl'],
        [ts(3), 'mn'],
      ],
    );
  });

  test('a follower reads a large backlog in bounded steps', async () => {
    const file = join(dir.path, 'backlog.log');
    const line = `${ts(0)} stdout F ${'z'.repeat(100)}\n`;
    await writeFile(file, line.repeat(50_000));
    let n = 0;
    const cursor = new LogCursor(0, () => n++);
    let steps = 0;
    for (let got; (got = await cursor.read(file, 1024 * 1024)) > 0; steps++) assert.ok(got <= 1024 * 1024);
    assert.equal(n, 50_000);
    assert.equal(steps, Math.ceil((line.length * 50_000) / (1024 * 1024)));
    const r = await readCompleteLines(file, 0, 1000);
    assert.equal(r.text, line.repeat(Math.floor(1000 / line.length)));
    assert.equal(r.next, line.length * Math.floor(1000 / line.length));
  });

  test('a slow output holds the reader instead of queueing the whole log', async () => {
    const c = join(dir.path, 'slow');
    await mkdir(c);
    const line = `${ts(0)} stdout F ${'w'.repeat(100)}\n`;
    await writeFile(join(c, '0.log'), line.repeat(40_000));
    let lines = 0;
    let queued = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(_chunk: Buffer, _enc, done) {
        lines++;
        queued = Math.max(queued, slow.writableLength);
        setImmediate(done);
      },
    });
    const w = lineWriter(slow, false);
    await readLogs({ containerDir: c, instance: 0, follow: false, backpressure: w.backpressure }, w.emit);
    await new Promise<void>((r) => slow.end(r));
    assert.equal(lines, 40_000);
    // About one chunk's worth of lines beyond the high-water mark; without the hold, all 5.6 MB.
    assert.ok(queued < 2 * LOG_CHUNK_BYTES, `${queued} bytes queued`);
  });

  test('an output that fails stops the reader', async () => {
    const c = join(dir.path, 'broken');
    await mkdir(c);
    await writeFile(join(c, '0.log'), `${ts(0)} stdout F ${'v'.repeat(100)}\n`.repeat(10_000));
    const broken = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        setImmediate(() => done(new Error('EPIPE')));
      },
    });
    broken.on('error', () => undefined);
    const w = lineWriter(broken, false);
    await assert.rejects(readLogs({ containerDir: c, instance: 0, follow: false, backpressure: w.backpressure }, w.emit), /EPIPE|closed/);
  });
});
