import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HTTPGetAction } from '../../../../src/api/generated/core-v1.js';
import { httpProbe, PROBE_OUTPUT_LIMIT, PROBE_USER_AGENT } from '../../../../src/probes/handlers/index.js';
import { close, freePort, listen, sleep, target, tcpHandles } from './helpers.js';

interface Seen {
  url: string;
  host: string | undefined;
  rawHeaders: string[];
}

/** Raw header lines of one request, as [name, value] pairs with lower-cased names. */
function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

describe('httpGet probe', () => {
  const seen: Seen[] = [];
  let port = 0;
  let hugeAborted: Promise<boolean> = Promise.resolve(false);

  /** Streams far more than any socket buffer holds; resolves whether the client hung up first. */
  function huge(res: ServerResponse, status: number): void {
    res.writeHead(status, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    hugeAborted = new Promise((resolve) => {
      res.on('close', () => resolve(!res.writableFinished));
      const pump = (): void => {
        while (sent < 256 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    seen.push({ url, host: req.headers.host, rawHeaders: req.rawHeaders });
    const chain = /^\/chain\/(\d+)$/.exec(url);
    if (chain) {
      const n = Number(chain[1]);
      if (n === 0) return void res.end('end of chain');
      res.writeHead(302, { location: `/chain/${n - 1}` });
      return void res.end();
    }
    switch (url) {
      case '/ok':
        return void res.end('ok');
      case '/':
        return void res.end('root');
      case '/fail':
        res.writeHead(500);
        return void res.end('secret stack trace');
      case '/moved':
        res.writeHead(301, { location: '/ok' });
        return void res.end();
      case '/away':
        res.writeHead(302, { location: `http://localhost:${port}/ok` });
        return void res.end('away');
      case '/absolute':
        res.writeHead(307, { location: `http://127.0.0.1:${port}/ok` });
        return void res.end();
      case '/nolocation':
        res.writeHead(302);
        return void res.end('stay');
      case '/slow':
        return; // never answers
      case '/slowbody':
        res.writeHead(200);
        res.write('some');
        return; // never finishes
      case '/huge':
        return huge(res, 200);
      case '/huge500':
        return huge(res, 500);
      case '/hangup':
        return void req.socket.destroy();
      case '/echo':
        return void res.end('echo');
      default:
        res.writeHead(404);
        res.end();
    }
  }

  const server = createServer(handle);
  before(async () => {
    port = await listen(server);
  });
  after(async () => {
    server.closeAllConnections();
    await close(server);
  });

  const probe = (action: Partial<HTTPGetAction>) => ({ httpGet: { port, ...action } });
  const last = (): Seen => seen[seen.length - 1]!;

  test('200 is success', async () => {
    assert.deepEqual(await httpProbe(probe({ path: '/ok' }), target(), 1000), { outcome: 'success', message: 'ok' });
  });

  test('path defaults to "/" and gains a leading slash', async () => {
    await httpProbe(probe({}), target(), 1000);
    assert.equal(last().url, '/');
    await httpProbe(probe({ path: 'ok?x=1' }), target(), 1000);
    assert.equal(last().url, '/ok?x=1');
  });

  test('500 is a failure naming the status, without the body', async () => {
    assert.deepEqual(await httpProbe(probe({ path: '/fail' }), target(), 1000), { outcome: 'failure', message: 'HTTP probe failed with statuscode: 500' });
  });

  test('a redirect to the same host is followed', async () => {
    seen.length = 0;
    assert.deepEqual(await httpProbe(probe({ path: '/moved' }), target(), 1000), { outcome: 'success', message: 'ok' });
    assert.deepEqual(seen.map((s) => s.url), ['/moved', '/ok']);
  });

  test('a redirect to another host is not followed and is a warning', async () => {
    seen.length = 0;
    const r = await httpProbe(probe({ path: '/away' }), target(), 1000);
    assert.deepEqual(r, { outcome: 'warning', message: 'Probe terminated redirects, Response body: away' });
    assert.deepEqual(seen.map((s) => s.url), ['/away']);
  });

  test('a 3xx without Location is the final answer, a warning', async () => {
    assert.deepEqual(await httpProbe(probe({ path: '/nolocation' }), target(), 1000), { outcome: 'warning', message: 'Probe terminated redirects, Response body: stay' });
  });

  test('nine redirects are followed; the tenth stops the probe as a failure', async () => {
    assert.deepEqual(await httpProbe(probe({ path: '/chain/9' }), target(), 2000), { outcome: 'success', message: 'end of chain' });
    seen.length = 0;
    const r = await httpProbe(probe({ path: '/chain/10' }), target(), 2000);
    assert.deepEqual(r, { outcome: 'failure', message: 'Get "/chain/0": stopped after 10 redirects' });
    assert.equal(seen.length, 10);
  });

  test('no response headers within the timeout is a failure', async () => {
    const started = Date.now();
    const r = await httpProbe(probe({ path: '/slow' }), target(), 200);
    assert.deepEqual(r, { outcome: 'failure', message: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    assert.ok(Date.now() - started < 1000);
  });

  test('the timeout also covers the body', async () => {
    const r = await httpProbe(probe({ path: '/slowbody' }), target(), 200);
    assert.equal(r.outcome, 'failure');
    assert.match(r.message, /Client\.Timeout exceeded while reading body/);
  });

  test('a huge body is cut at 10 KiB and the connection dropped; the status decides', async () => {
    const r = await httpProbe(probe({ path: '/huge' }), target(), 5000);
    assert.equal(r.outcome, 'success');
    assert.equal(r.message.length, PROBE_OUTPUT_LIMIT);
    assert.equal(await hugeAborted, true);
    assert.deepEqual(await httpProbe(probe({ path: '/huge500' }), target(), 5000), { outcome: 'failure', message: 'HTTP probe failed with statuscode: 500' });
  });

  test('a named port resolves through the container ports', async () => {
    const t = target({ container: { name: 'app', ports: [{ name: 'http', containerPort: port }] } });
    assert.equal((await httpProbe({ httpGet: { port: 'http', path: '/ok' } }, t, 1000)).outcome, 'success');
    assert.deepEqual(await httpProbe({ httpGet: { port: 'admin' } }, t, 1000), { outcome: 'failure', message: 'port "admin" not found' });
  });

  test('default headers: probe User-Agent, Accept */*, Connection close', async () => {
    await httpProbe(probe({ path: '/echo' }), target(), 1000);
    const h = pairs(last().rawHeaders);
    assert.deepEqual(h.filter(([k]) => k === 'user-agent'), [['user-agent', PROBE_USER_AGENT]]);
    assert.deepEqual(h.filter(([k]) => k === 'accept'), [['accept', '*/*']]);
    assert.deepEqual(h.filter(([k]) => k === 'connection'), [['connection', 'close']]);
    assert.equal(last().host, `127.0.0.1:${port}`);
  });

  test('custom headers are sent, repeated names kept, Host/User-Agent/Accept overridden', async () => {
    const httpHeaders = [
      { name: 'X-Token', value: 'a' },
      { name: 'x-token', value: 'b' },
      { name: 'Host', value: 'app.example' },
      { name: 'user-agent', value: 'custom/2' },
      { name: 'Accept', value: 'application/json' },
    ];
    await httpProbe(probe({ path: '/echo', httpHeaders }), target(), 1000);
    const h = pairs(last().rawHeaders);
    assert.deepEqual(h.filter(([k]) => k === 'x-token').map(([, v]) => v), ['a', 'b']);
    assert.equal(last().host, 'app.example');
    assert.deepEqual(h.filter(([k]) => k === 'user-agent'), [['user-agent', 'custom/2']]);
    assert.deepEqual(h.filter(([k]) => k === 'accept'), [['accept', 'application/json']]);
  });

  test('an empty Accept removes the header', async () => {
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'Accept', value: '' }] }), target(), 1000);
    assert.equal(pairs(last().rawHeaders).some(([k]) => k === 'accept'), false);
  });

  test('a custom Host survives a relative redirect but not an absolute one', async () => {
    const httpHeaders = [{ name: 'Host', value: 'app.example' }];
    seen.length = 0;
    await httpProbe(probe({ path: '/moved', httpHeaders }), target(), 1000);
    assert.deepEqual(seen.map((s) => s.host), ['app.example', 'app.example']);
    seen.length = 0;
    await httpProbe(probe({ path: '/absolute', httpHeaders }), target(), 1000);
    assert.deepEqual(seen.map((s) => s.host), ['app.example', `127.0.0.1:${port}`]);
  });

  /** The raw bytes of one received header value: Node's parser hands them over as Latin-1. */
  const rawValues = (name: string): Buffer[] => pairs(last().rawHeaders).filter(([k]) => k === name).map(([, v]) => Buffer.from(v, 'latin1'));

  test('header values go out as their UTF-8 bytes: U+010D U+010A cannot inject a header', async () => {
    const value = 'a\u010D\u010AX-Injected: 1';
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'X-Test', value }] }), target(), 1000);
    const h = pairs(last().rawHeaders);
    assert.equal(h.some(([k]) => k === 'x-injected'), false, `headers seen: ${JSON.stringify(h)}`);
    assert.deepEqual(rawValues('x-test'), [Buffer.from(value, 'utf8')]);
  });

  test('"€" arrives as UTF-8 e2 82 ac', async () => {
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'X-Test', value: '€' }] }), target(), 1000);
    assert.deepEqual(rawValues('x-test'), [Buffer.from([0xe2, 0x82, 0xac])]);
  });

  test('a value with a control byte other than HT is refused before anything is sent, as Go does', async () => {
    for (const value of ['a\nX-Injected: 1', 'a\rb', 'a\x01b', 'a\0b', 'a\x1fb', 'a\x7fb']) {
      const before = seen.length;
      const r = await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'X-Test', value }] }), target(), 1000);
      assert.deepEqual(r, { outcome: 'failure', message: `Get "http://127.0.0.1:${port}/echo": net/http: invalid header field value for "X-Test"` }, JSON.stringify(value));
      assert.equal(seen.length, before, `${JSON.stringify(value)} reached the server`);
    }
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'X-Test', value: 'a\tb' }] }), target(), 1000);
    assert.deepEqual(rawValues('x-test'), [Buffer.from('a\tb')]);
  });

  test('a non-ASCII Host goes out in Punycode, as Go writes it', async () => {
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'Host', value: 'bücher.example' }] }), target(), 1000);
    assert.equal(last().host, 'xn--bcher-kva.example');
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'Host', value: 'münchen.example:8080' }] }), target(), 1000);
    assert.equal(last().host, 'xn--mnchen-3ya.example:8080');
  });

  test('a Host that is no valid host is sent empty, as Go does; one with a line break is refused', async () => {
    await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'Host', value: 'app example' }] }), target(), 1000);
    assert.equal(last().host, '');
    const before = seen.length;
    const r = await httpProbe(probe({ path: '/echo', httpHeaders: [{ name: 'Host', value: 'app\r\nX-Injected: 1' }] }), target(), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: `Get "http://127.0.0.1:${port}/echo": net/http: invalid header field value for "Host"` });
    assert.equal(seen.length, before);
  });

  test('a probe host a URL cannot hold fails without dialing, with the URL error Go gives', async () => {
    const before = seen.length;
    const r = await httpProbe(probe({ path: '/ok', host: 'localhost\r\nX-Injected' }), target(), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: `parse "http://localhost%0D%0AX-Injected:${port}/ok": invalid URL escape "%0D"` });
    assert.equal(seen.length, before);
  });

  test('line breaks and non-ASCII in the path are percent-encoded as UTF-8', async () => {
    await httpProbe(probe({ path: '/echo\r\nX-Injected: 1' }), target(), 1000);
    assert.equal(last().url, '/echo%0D%0AX-Injected:%201');
    assert.equal(pairs(last().rawHeaders).some(([k]) => k === 'x-injected'), false);
    await httpProbe(probe({ path: '/\u010D\u010A€' }), target(), 1000);
    assert.equal(last().url, '/%C4%8D%C4%8A%E2%82%AC');
  });

  test('host overrides the pod IP', async () => {
    assert.equal((await httpProbe(probe({ path: '/ok', host: '127.0.0.1' }), target({ podIP: '192.0.2.1' }), 1000)).outcome, 'success');
  });

  test('a refused connection is a failure with the URL and the cause', async () => {
    const closed = await freePort();
    const r = await httpProbe({ httpGet: { port: closed, path: '/healthz' } }, target(), 1000);
    assert.deepEqual(r, { outcome: 'failure', message: `Get "http://127.0.0.1:${closed}/healthz": dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });

  test('a server that hangs up without answering is a failure', async () => {
    assert.deepEqual(await httpProbe(probe({ path: '/hangup' }), target(), 1000), { outcome: 'failure', message: `Get "http://127.0.0.1:${port}/hangup": EOF` });
  });

  test('probes leave no sockets behind', async () => {
    await httpProbe(probe({ path: '/ok' }), target(), 1000);
    await sleep(50);
    const before = tcpHandles();
    for (let i = 0; i < 20; i++) await httpProbe(probe({ path: '/moved' }), target(), 1000);
    await sleep(100);
    assert.ok(tcpHandles() <= before, `${tcpHandles()} TCP handles open, ${before} before`);
  });
});

/** A throwaway self-signed certificate; undefined when openssl is not there to make one. */
function selfSigned(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'probe-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=probe.test'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('httpGet probe over HTTPS', () => {
  const tls = selfSigned();
  test('certificates are not verified, as the kubelet does not', { skip: !tls && 'openssl not available' }, async () => {
    const server = createHttpsServer(tls!, (_req, res) => res.end('secure'));
    const port = await listen(server);
    try {
      assert.deepEqual(await httpProbe({ httpGet: { port, scheme: 'HTTPS' } }, target(), 2000), { outcome: 'success', message: 'secure' });
    } finally {
      await close(server);
    }
  });
});
