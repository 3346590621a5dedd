/**
 * Hostile manifests against the real read → parse → validate → log path of the supervisor (no
 * container runtime: the supervisor waits for one and reads manifests meanwhile). Each must be
 * refused quickly with a reason that names the limit, without stalling the event loop, the
 * status socket or the log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchStatus } from '../../../src/cli/status-client.js';
import { resolveSettings } from '../../../src/config/settings.js';
import { createLogger } from '../../../src/logging/logger.js';
import { Supervisor } from '../../../src/supervisor/supervisor.js';
import { bigScalar, deepJson, deepYaml, manyDocuments, manyErrors, maxLoopDelay, retainedBytes, selfAlias, type Hostile } from '../../helpers/hostile.js';
import { eventually, tempDir } from '../../helpers/manifests.js';
import { textSink } from '../../helpers/streams.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hostile manifests', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let sup: Supervisor;
  let socket: string;
  const log = textSink();
  const manifests = () => join(dir.path, 'manifests');

  before(async () => {
    dir = await tempDir();
    const settings = resolveSettings({
      podManifestPath: manifests(),
      // Nothing listens there: the supervisor retries in the background and reads manifests.
      containerRuntimeEndpoint: `unix://${join(dir.path, 'no-runtime.sock')}`,
      rootDir: join(dir.path, 'root'),
      podLogsDir: join(dir.path, 'logs'),
      containerLogLinksDir: '',
      hostnameOverride: 'node-1',
      fileCheckFrequency: '1m',
      nodeIp: '127.0.0.1',
    });
    await mkdir(manifests());
    socket = settings.statusSocket;
    sup = new Supervisor(settings, createLogger({ format: 'json', destination: log.stream }), { nodeApi: false });
    await sup.start();
  });
  after(async () => {
    await sup.stop();
    await dir.cleanup();
  });

  const lines = (): string[] => log.text().split('\n').filter((l) => l.length > 0);
  const rejection = (file: string) => sup.rejections().find((r) => r.source === join(manifests(), file));

  /** Writes the file whole (a rename, so no partial copy is read) and times its refusal. */
  async function refuse(h: Hostile): Promise<{ ms: number; maxDelayMs: number; slowestAnswerMs: number; errors: string[] }> {
    const tmp = join(manifests(), `.${h.name}.tmp`);
    await writeFile(tmp, h.text);
    let slowestAnswerMs = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        await fetchStatus(socket, '/pods', 5000);
        slowestAnswerMs = Math.max(slowestAnswerMs, performance.now() - t);
        await sleep(20);
      }
    })();
    try {
      const { value, maxDelayMs } = await maxLoopDelay(async () => {
        const start = performance.now();
        await rename(tmp, join(manifests(), h.name));
        const r = await eventually(() => (rejection(h.name)?.errors.some((e) => h.reason.test(e)) ? rejection(h.name) : undefined), { timeoutMs: 15_000, intervalMs: 5, what: `refusal of ${h.name} matching ${h.reason}` });
        return { ms: performance.now() - start, errors: r.errors };
      });
      return { ...value, maxDelayMs, slowestAnswerMs };
    } finally {
      polling = false;
      await poller;
    }
  }

  for (const make of [manyDocuments, deepJson, deepYaml, selfAlias, bigScalar]) {
    const h = make();
    test(`${h.name} is refused in under a second, naming the limit, without blocking the event loop`, async (t) => {
      const logBefore = log.text().length;
      const r = await refuse(h);
      t.diagnostic(`${h.name}: refused in ${r.ms.toFixed(0)} ms, event loop max delay ${r.maxDelayMs.toFixed(1)} ms, slowest status answer ${r.slowestAnswerMs.toFixed(0)} ms: ${r.errors.join(' | ')}`);
      assert.ok(r.ms < 1000, `took ${r.ms} ms`);
      assert.ok(r.maxDelayMs < 100, `event loop blocked for ${r.maxDelayMs} ms`);
      assert.ok(r.slowestAnswerMs < 1000, `status socket took ${r.slowestAnswerMs} ms`);
      assert.ok(r.errors.length <= 3, `a short summary, got ${r.errors.length} errors`);
      assert.ok(r.errors[0]!.startsWith(join(manifests(), h.name)), 'the error names the file');
      await sleep(50);
      const written = log.text().slice(logBefore).split('\n');
      const longest = Math.max(...written.map((l) => Buffer.byteLength(l)));
      assert.ok(longest <= 16 * 1024, `a log line of ${longest} bytes`);
      assert.ok(written.some((l) => l.includes('manifest rejected') && l.includes(h.name)), 'the rejection is logged');
      await unlink(join(manifests(), h.name));
      await eventually(() => !rejection(h.name), { timeoutMs: 5000, what: `${h.name} forgotten` });
    });
  }

  test('a file with thousands of mistakes is summarised: one short log line, few kept errors', async () => {
    const h = manyErrors('one');
    const r = await refuse(h);
    assert.ok(r.errors.length <= 51, `${r.errors.length} errors kept`);
    assert.match(r.errors[r.errors.length - 1]!, /and \d+ more errors$/);
    for (const e of r.errors) assert.ok(e.length <= 1024, `an error of ${e.length} characters`);
    await sleep(50);
    const line = lines().filter((l) => l.includes('manifest rejected') && l.includes(h.name));
    assert.equal(line.length, 1);
    assert.ok(Buffer.byteLength(line[0]!) <= 8 * 1024, `a log line of ${Buffer.byteLength(line[0]!)} bytes`);
    assert.match(line[0]!, /"moreErrors":\d{4,}/);
  });

  test('a bad file deleted and recreated again and again is logged once', async () => {
    const name = 'again.yaml';
    const count = () => lines().filter((l) => l.includes('manifest rejected') && l.includes(name)).length;
    for (let i = 0; i < 5; i++) {
      await writeFile(join(manifests(), name), 'a: [1, 2\nb: 3\n');
      await eventually(() => rejection(name), { what: `rejection ${i}` });
      await unlink(join(manifests(), name));
      await eventually(() => !rejection(name), { what: `removal ${i}` });
    }
    assert.equal(count(), 1);
  });

  test('refusing the same large bad file again and again keeps nothing of it', async (t) => {
    // Once to warm every code path (schema compilation, caches), then measure from there.
    await refuse(manyErrors('warm'));
    await unlink(join(manifests(), 'many-errors.yaml'));
    await eventually(() => !rejection('many-errors.yaml'), { what: 'forgotten' });
    const base = retainedBytes();
    for (let i = 0; i < 8; i++) await refuse(manyErrors(`v${i}`));
    const held = retainedBytes() - base;
    t.diagnostic(`heap and buffers after 8 refusals of a 3.3 MB file: ${(held / 1048576).toFixed(1)} MB over the start`);
    assert.ok(held < 3 * 1024 * 1024, `${(held / 1048576).toFixed(1)} MB more than before`);
  });
});
