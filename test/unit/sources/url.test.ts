import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../../src/logging/logger.js';
import { UrlSource } from '../../../src/sources/url.js';
import type { SourceBatch, SourceUpdate } from '../../../src/sources/types.js';
import { eventually } from '../../helpers/manifests.js';

describe('URL source', () => {
  let server: Server;
  let base: string;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end('a: 1\n');
  const requests: IncomingMessage[] = [];

  before(async () => {
    server = createServer((req, res) => {
      requests.push(req);
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function once(opts: Partial<ConstructorParameters<typeof UrlSource>[0]> = {}): Promise<{ batches: SourceBatch[]; source: UrlSource }> {
    const batches: SourceBatch[] = [];
    const source = new UrlSource({ url: `${base}/pods`, headers: {}, logger: silentLogger(), maxBytes: 1024, pollMs: 60_000, timeoutMs: 500, ...opts });
    await source.start((b) => batches.push(b));
    return { batches, source };
  }
  const only = (b: SourceBatch[]): SourceUpdate => {
    assert.equal(b.length, 1);
    assert.equal(b[0]!.updates.length, 1);
    return b[0]!.updates[0]!;
  };

  test('fetches content with the configured headers', async () => {
    handler = (_q, r) => r.end('apiVersion: v1\n');
    const { batches, source } = await once({ headers: { Authorization: ['Bearer t'], 'X-Multi': ['a', 'b'] } });
    await source.stop();
    const u = only(batches);
    assert.ok('content' in u);
    assert.equal(Buffer.from(u.content).toString(), 'apiVersion: v1\n');
    assert.equal(requests.at(-1)!.headers.authorization, 'Bearer t');
    assert.equal(requests.at(-1)!.headers['x-multi'], 'a, b');
  });

  test('an unchanged response is not reported again; a changed one is', async () => {
    let body = 'v1';
    handler = (_q, r) => r.end(body);
    const { batches, source } = await once();
    await source.resync();
    assert.equal(batches[1]!.updates.length, 0);
    body = 'v2';
    await source.resync();
    await source.stop();
    assert.equal(batches[2]!.updates.length, 1);
  });

  test('HTTP errors, timeouts and oversize bodies become errors for the URL', async () => {
    handler = (_q, r) => {
      r.statusCode = 503;
      r.end('busy');
    };
    let u = only((await stopAfter(once())).batches);
    assert.ok('error' in u && /HTTP 503/.test(u.error), JSON.stringify(u));

    handler = () => undefined; // never answers
    u = only((await stopAfter(once({ timeoutMs: 200 }))).batches);
    assert.ok('error' in u && /timed out after 200 ms/.test(u.error), JSON.stringify(u));

    handler = (_q, r) => r.end(Buffer.alloc(5000, 'a'));
    u = only((await stopAfter(once())).batches);
    assert.ok('error' in u && /over the limit of 1024 bytes/.test(u.error), JSON.stringify(u));

    handler = (_q, r) => {
      // No content-length: the limit must hold while streaming too.
      r.write(Buffer.alloc(800, 'a'));
      r.end(Buffer.alloc(800, 'a'));
    };
    u = only((await stopAfter(once())).batches);
    assert.ok('error' in u && /over the limit/.test(u.error), JSON.stringify(u));
  });

  test('an unreachable server is an error, not a crash', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const batches: SourceBatch[] = [];
    const source = new UrlSource({ url: `http://127.0.0.1:${closedPort}/pods`, headers: {}, logger: silentLogger(), maxBytes: 1024, pollMs: 60_000 });
    await source.start((b) => batches.push(b));
    await source.stop();
    const u = only(batches);
    assert.ok('error' in u && /ECONNREFUSED/.test(u.error), JSON.stringify(u));
  });

  test('the URL counts as listed only from its first successful fetch', async () => {
    handler = (_q, r) => {
      r.statusCode = 503;
      r.end();
    };
    const { batches, source } = await once({ pollMs: 30 });
    try {
      // Failures before any success: reported (the error shows), but not as a full listing, so
      // the pods the URL may own are not taken for deleted.
      assert.equal(batches.length, 1);
      assert.equal(batches[0]!.full, false);
      assert.ok('error' in batches[0]!.updates[0]!);
      handler = (_q, r) => r.end('apiVersion: v1\n');
      await eventually(() => batches.some((b) => b.full), { what: 'a full listing after the first success' });
      const firstFull = batches.find((b) => b.full)!;
      assert.ok('content' in firstFull.updates[0]!);
      // Once listed, a failure is a full listing again: the error replaces the content, whose
      // pods the consumer keeps as last accepted.
      handler = (_q, r) => {
        r.statusCode = 500;
        r.end();
      };
      await eventually(() => batches.some((b) => b.full && b.updates.some((u) => 'error' in u)), { what: 'an error after the first success' });
    } finally {
      await source.stop();
    }
  });

  test('polls on its period', async () => {
    handler = (_q, r) => r.end('x');
    const n = requests.length;
    const { source } = await once({ pollMs: 30 });
    await eventually(() => requests.length >= n + 3, { what: 'three polls' });
    await source.stop();
  });
});

async function stopAfter<T extends { source: UrlSource }>(p: Promise<T>): Promise<T> {
  const r = await p;
  await r.source.stop();
  return r;
}
