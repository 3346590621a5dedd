// Probe verdicts that survive a supervisor restart: saved on a flip, resumed by the same
// container instance only, dropped when the container goes, and a broken file is no verdicts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../../src/logging/logger.js';
import { ThresholdState } from '../../../src/probes/state.js';
import { VERDICT_FILE, VerdictFile } from '../../../src/probes/verdict-file.js';

const logger = createLogger({ level: 'silent' });

describe('probe verdicts across a supervisor restart', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'staticlet-verdicts-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  test('saved verdicts are read back by a new store, private to root', async () => {
    const a = await VerdictFile.open(dir, logger);
    a.set('c1', 'startup', true);
    a.set('c1', 'readiness', true);
    a.set('c2', 'readiness', false);
    await a.flush();
    assert.equal((await stat(join(dir, VERDICT_FILE))).mode & 0o777, 0o600);
    const b = await VerdictFile.open(dir, logger);
    assert.deepEqual(b.get('c1'), { startup: true, readiness: true });
    assert.deepEqual(b.get('c2'), { readiness: false });
    assert.equal(b.get('c3'), undefined, 'another container instance inherits nothing');
    b.forget('c1');
    await b.flush();
    const c = await VerdictFile.open(dir, logger);
    assert.equal(c.get('c1'), undefined);
    await c.flush();
  });

  test('a corrupt file is an empty store, not a crash', async () => {
    await writeFile(join(dir, VERDICT_FILE), '{"containers": {"c1": tru');
    const s = await VerdictFile.open(dir, logger);
    assert.equal(s.get('c1'), undefined);
    await writeFile(join(dir, VERDICT_FILE), JSON.stringify({ containers: { c1: { startup: 'yes', readiness: true }, c2: null } }));
    const t = await VerdictFile.open(dir, logger);
    assert.deepEqual(t.get('c1'), { readiness: true }, 'only booleans are taken');
    assert.equal(t.get('c2'), undefined);
    await s.flush();
    await t.flush();
  });

  test('a burst of flips is one write', async () => {
    const s = await VerdictFile.open(dir, logger);
    for (let i = 0; i < 100; i++) s.set(`b${i}`, 'readiness', i % 2 === 0);
    await s.flush();
    const saved = JSON.parse(await readFile(join(dir, VERDICT_FILE), 'utf8')) as { containers: Record<string, unknown> };
    assert.equal(Object.keys(saved.containers).filter((k) => k.startsWith('b')).length, 100);
  });

  test('a resumed verdict: readiness starts ready, startup starts started; liveness ignores it', () => {
    assert.equal(new ThresholdState('readiness', 1, 3, true).result, true);
    assert.equal(new ThresholdState('readiness', 1, 3).result, false);
    assert.equal(new ThresholdState('startup', 1, 3, true).result, true);
    assert.equal(new ThresholdState('liveness', 1, 3, false).result, true);
    // A resumed "ready" still needs failureThreshold failures to flip.
    const r = new ThresholdState('readiness', 1, 2, true);
    assert.equal(r.record(false), false);
    assert.equal(r.record(false), true);
    assert.equal(r.result, false);
  });
});
