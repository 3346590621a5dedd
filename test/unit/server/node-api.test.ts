// The node API's pieces without a runtime: settings defaults, the kubelet's verb and subresource
// tables, TLS option mapping, raw path splitting, review caching, and the listeners with fake
// dependencies (anonymous access, the debugging switch, the read-only port).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveSettings, type Settings } from '../../../src/config/settings.js';
import { parseKubeletConfig } from '../../../src/config/kubelet/load.js';
import type { AccessAttributes, Reviewer } from '../../../src/controlplane/index.js';
import { Authenticator } from '../../../src/server/node-api/authn.js';
import { Authorizer, subresourcesFor, verbFor } from '../../../src/server/node-api/authz.js';
import { splitTarget } from '../../../src/server/node-api/router.js';
import type { HttpRequestObservation } from '../../../src/metrics/index.js';
import { NodeApiServer } from '../../../src/server/node-api/server.js';
import { tlsVersionAndCiphers } from '../../../src/server/node-api/tls.js';
import { TtlCache } from '../../../src/server/node-api/ttl-cache.js';
import type { NodeApiConfig, NodeApiDeps } from '../../../src/server/node-api/types.js';
import type { IncomingMessage } from 'node:http';
import { minimalPod } from './fake-provider.js';
import { freePort } from '../../helpers/node-api.js';

describe('settings', () => {
  test("the config file's secure defaults; AlwaysAllow standalone, Webhook with a kubeconfig", () => {
    const s = resolveSettings({});
    assert.equal(s.authentication.anonymous, false);
    assert.equal(s.authentication.webhook.enabled, true);
    assert.equal(s.authentication.webhook.cacheTTLMs, 120_000);
    assert.equal(s.authorization.mode, 'AlwaysAllow');
    assert.deepEqual(s.authorization.webhook, { cacheAuthorizedTTLMs: 300_000, cacheUnauthorizedTTLMs: 30_000 });
    assert.equal(s.port, 10250);
    assert.equal(s.readOnlyPort, 0);
    assert.equal(s.healthzPort, 10248);
    assert.equal(s.healthzBindAddress, '127.0.0.1');
    assert.equal(s.enableDebuggingHandlers, true);
    assert.equal(resolveSettings({ kubeconfig: '/k' }).authorization.mode, 'Webhook');
  });
  test('the KubeletConfiguration fields are read', () => {
    const file = parseKubeletConfig(
      Buffer.from(
        'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ntlsMinVersion: VersionTLS13\nenableDebuggingHandlers: false\n' +
          'authentication: {x509: {clientCAFile: /ca.crt}, webhook: {enabled: false, cacheTTL: 10s}, anonymous: {enabled: true}}\n' +
          'authorization: {mode: AlwaysAllow, webhook: {cacheAuthorizedTTL: 1m, cacheUnauthorizedTTL: 5s}}\n',
      ),
      'k.yaml',
    );
    assert.deepEqual(file.warnings, []);
    const s = resolveSettings({ kubeconfig: '/k' }, file);
    assert.deepEqual(s.authentication, { clientCAFile: '/ca.crt', webhook: { enabled: false, cacheTTLMs: 10_000 }, anonymous: true });
    assert.deepEqual(s.authorization, { mode: 'AlwaysAllow', webhook: { cacheAuthorizedTTLMs: 60_000, cacheUnauthorizedTTLMs: 5_000 } });
    assert.equal(s.tlsMinVersion, 'VersionTLS13');
    assert.equal(s.enableDebuggingHandlers, false);
  });
  test('Webhook authorization without an API server, and a certificate without its key, are refused', () => {
    assert.throws(() => resolveSettings({ authorizationMode: 'Webhook' }), /Webhook needs an API server/);
    assert.throws(() => resolveSettings({ tlsCertFile: '/c' }), /must be given together/);
  });
});

describe("the kubelet's authorization attributes", () => {
  test('verbs from methods', () => {
    assert.deepEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map(verbFor), ['get', 'get', 'create', 'update', 'patch', 'delete']);
  });
  test('subresources from paths: fine-grained ones fall back to proxy', () => {
    assert.deepEqual(subresourcesFor('/stats/summary'), ['stats']);
    assert.deepEqual(subresourcesFor('/metrics/cadvisor'), ['metrics']);
    assert.deepEqual(subresourcesFor('/logs/syslog'), ['log']);
    assert.deepEqual(subresourcesFor('/pods'), ['pods', 'proxy']);
    assert.deepEqual(subresourcesFor('/runningpods/'), ['pods', 'proxy']);
    assert.deepEqual(subresourcesFor('/healthz/ping'), ['healthz', 'proxy']);
    assert.deepEqual(subresourcesFor('/configz'), ['configz', 'proxy']);
    assert.deepEqual(subresourcesFor('/containerLogs/a/b/c'), ['proxy']);
    assert.deepEqual(subresourcesFor('/run/a/b/c'), ['proxy']);
  });
});

test('tlsMinVersion and tlsCipherSuites map to OpenSSL; unknown names are refused', () => {
  assert.deepEqual(tlsVersionAndCiphers('VersionTLS13', []), { minVersion: 'TLSv1.3' });
  assert.equal(tlsVersionAndCiphers(undefined, ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256']).ciphers, 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256');
  assert.throws(() => tlsVersionAndCiphers(undefined, ['TLS_RSA_WITH_RC4_128_SHA']), /not a supported cipher suite/);
  assert.throws(() => tlsVersionAndCiphers('VersionSSL3', []), /tlsMinVersion/);
});

test('the raw path is split before any normalisation: dot segments and encoded slashes are refused', () => {
  assert.deepEqual(splitTarget('/containerLogs/ns/pod/c?follow=true').segments, ['containerLogs', 'ns', 'pod', 'c']);
  assert.deepEqual(splitTarget('/runningpods/').segments, ['runningpods']);
  for (const bad of ['/containerLogs/../etc', '/containerLogs/%2e%2e/x', '/a/b%2fc', '/a//b', '/a/%00', '/a/%zz', 'http://x/a', `/${'a'.repeat(9000)}`]) {
    assert.throws(() => splitTarget(bad), (e: Error & { status?: number }) => e.status === 400, bad.slice(0, 40));
  }
});

test('the TTL cache expires entries and drops the oldest when full', () => {
  let now = 0;
  const c = new TtlCache<number>(2, () => now);
  c.set('a', 1, 100);
  c.set('b', 2, 100);
  c.set('c', 3, 100);
  assert.equal(c.get('a'), undefined);
  assert.equal(c.get('c'), 3);
  now = 100;
  assert.equal(c.get('c'), undefined);
});

class FakeReviewer implements Reviewer {
  tokenCalls = 0;
  accessCalls: AccessAttributes[] = [];
  fail = false;
  async reviewToken(token: string) {
    this.tokenCalls++;
    if (this.fail) throw new Error('API server down');
    return token === 'good' ? { authenticated: true as const, user: { username: 'u', groups: ['g'] } } : { authenticated: false as const };
  }
  async authorize(a: AccessAttributes) {
    this.accessCalls.push(a);
    if (this.fail) throw new Error('API server down');
    return { allowed: a.subresource === 'proxy' };
  }
}

const request = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: {} }) as unknown as IncomingMessage;

test('token reviews are cached for cacheTTL; a failed review is a 401 and not cached', async () => {
  const r = new FakeReviewer();
  const authn = new Authenticator({ webhook: { enabled: true, cacheTTLMs: 60_000 }, anonymous: true }, () => r);
  assert.deepEqual(await authn.authenticate(request({ authorization: 'Bearer good' })), { username: 'u', groups: ['g', 'system:authenticated'] });
  await authn.authenticate(request({ authorization: 'Bearer good' }));
  assert.equal(r.tokenCalls, 1);
  // A refused token is a 401 even with anonymous on; no token at all is anonymous.
  assert.equal(await authn.authenticate(request({ authorization: 'Bearer bad' })), undefined);
  assert.equal((await authn.authenticate(request({})))?.username, 'system:anonymous');
  r.fail = true;
  assert.equal(await authn.authenticate(request({ authorization: 'Bearer other' })), undefined);
  assert.equal(await authn.authenticate(request({ authorization: 'Bearer other' })), undefined);
  assert.equal(r.tokenCalls, 4, 'failures are asked again');
});

test('webhook authorization: fine-grained first, then proxy; answers cached; errors are 500', async () => {
  const r = new FakeReviewer();
  const authz = new Authorizer({ mode: 'Webhook', webhook: { cacheAuthorizedTTLMs: 60_000, cacheUnauthorizedTTLMs: 60_000 } }, 'n1', () => r);
  const user = { username: 'u', groups: ['system:authenticated'] };
  assert.deepEqual(await authz.authorize(user, 'GET', '/pods'), { allowed: true });
  assert.deepEqual(r.accessCalls.map((a) => a.subresource), ['pods', 'proxy']);
  assert.deepEqual(r.accessCalls[0], { user, verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'pods', namespace: '', name: 'n1' });
  await authz.authorize(user, 'GET', '/pods');
  assert.equal(r.accessCalls.length, 2, 'cached');
  assert.deepEqual(await authz.authorize(user, 'GET', '/stats/summary'), { allowed: false, status: 403, message: 'Forbidden (user=u, verb=get, resource=nodes, subresource(s)=[stats])\n' });
  r.fail = true;
  const d = await authz.authorize(user, 'POST', '/run/a/b/c');
  assert.deepEqual(d, { allowed: false, status: 500, message: 'Authorization error (user=u, verb=create, resource=nodes, subresource(s)=[proxy])\n' });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https') ? httpsRequest : httpRequest)(url, { method, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listeners with fake dependencies', () => {
  const observed: HttpRequestObservation[] = [];
  let dir: string;
  let server: NodeApiServer;
  let ro: NodeApiServer | undefined;
  let secure: string;
  let readOnly: string;
  let settings: Settings;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-nodeapi-unit-'));
    settings = resolveSettings({ rootDir: dir, anonymousAuth: true });
    const config: NodeApiConfig = {
      address: '127.0.0.1',
      port: 0,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 0,
      enableServer: true,
      certDir: join(dir, 'pki'),
      tlsCipherSuites: [],
      authentication: settings.authentication,
      authorization: settings.authorization,
      enableDebuggingHandlers: false,
      hostnames: ['n1', '127.0.0.1'],
      syncFrequencyMs: 60_000,
    };
    const pod = minimalPod('default', 'web');
    const deps: NodeApiDeps = {
      nodeName: 'n1',
      listPods: () => [pod],
      getPod: (ns, name) => (ns === 'default' && name === 'web' ? pod : undefined),
      podLogDirectory: () => undefined,
      runtime: () => undefined,
      reviewer: () => undefined,
      configz: () => ({ kubeletconfig: {} }),
      lastSyncLoop: () => Date.now(),
      runTimeoutSeconds: 10,
      metricsText: async (which) => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: `# ${which}\nup 1\n` }),
      summary: async () => undefined,
      observeHttpRequest: (r) => observed.push(r),
    };
    server = new NodeApiServer(config, deps);
    await server.start();
    secure = `https://127.0.0.1:${server.addresses.secure!.port}`;
    // A second server for the read-only port, on a free port of its own.
    ro = new NodeApiServer({ ...config, enableServer: false, readOnlyPort: await freePort() }, deps);
    await ro.start();
    readOnly = `http://127.0.0.1:${ro.addresses.readOnly!.port}`;
  });
  after(async () => {
    await server?.stop();
    await ro?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a self-signed pair is made once, key 0600', async () => {
    assert.equal((await stat(join(dir, 'pki', 'kubelet.key'))).mode & 0o777, 0o600);
  });

  test('anonymous (when enabled) reads /pods under AlwaysAllow', async () => {
    const r = await get(`${secure}/pods`);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { items: unknown[] }).items.length, 1);
  });

  test('enableDebuggingHandlers false: debugging routes answer 405 "Debug endpoints are disabled."', async () => {
    for (const path of ['/containerLogs/default/web/main', '/runningpods/', '/exec/default/web/main']) {
      const r = await get(`${secure}${path}`);
      assert.equal(r.status, 405, path);
      assert.equal(r.body, 'Debug endpoints are disabled.');
    }
    assert.equal((await get(`${secure}/run/default/web/main?cmd=ls`, 'POST')).status, 405);
    assert.equal((await get(`${secure}/configz`)).status, 200);
    assert.equal((await get(`${secure}/nothing-here`)).status, 404);
  });

  test('/metrics, /metrics/probes and /metrics/resource render their registry; /stats/summary waits for the runtime', async () => {
    for (const [path, which] of [['/metrics', 'metrics'], ['/metrics/probes', 'probes'], ['/metrics/resource', 'resource']] as const) {
      const r = await get(`${secure}${path}`);
      assert.equal(r.status, 200, path);
      assert.equal(r.body, `# ${which}\nup 1\n`);
    }
    assert.equal((await get(`${secure}/metrics/cadvisor`)).status, 404);
    assert.equal((await get(`${secure}/metrics/probes/x`)).status, 404);
    assert.equal((await get(`${secure}/stats/summary`)).status, 503);
    assert.equal((await get(`${secure}/stats/summary?only_cpu_and_memory=maybe`)).status, 400);
    assert.equal((await get(`${secure}/stats/other`)).status, 404);
  });

  test('kubelet_http_requests: every answered request observed, labelled by its route root only', async () => {
    observed.length = 0;
    await get(`${secure}/metrics`);
    await get(`${secure}/pods?x=1`);
    await get(`${secure}/no-such-route/at/all`);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(observed.map((o) => [o.method, o.path, o.serverType, o.longRunning]), [
      ['GET', 'metrics', 'readwrite', false],
      ['GET', 'pods', 'readwrite', false],
      ['GET', '', 'readwrite', false],
    ]);
    assert.ok(observed.every((o) => o.seconds >= 0 && o.seconds < 5));
  });

  test('the read-only port serves /pods, /healthz, /metrics and /stats only, without authentication', async () => {
    assert.equal((await get(`${readOnly}/pods`)).status, 200);
    assert.equal((await get(`${readOnly}/healthz`)).body, 'ok');
    assert.equal((await get(`${readOnly}/metrics`)).status, 200);
    assert.equal((await get(`${readOnly}/stats/summary`)).status, 503);
    assert.equal((await get(`${readOnly}/configz`)).status, 404);
    assert.equal((await get(`${readOnly}/containerLogs/default/web/main`)).status, 404);
  });
});

describe('robustness: slow clients, oversized headers, the follower cap', () => {
  let dir: string;
  let server: NodeApiServer;
  let port: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-nodeapi-robust-'));
    await mkdir(join(dir, 'logs', 'main'), { recursive: true });
    await writeFile(join(dir, 'logs', 'main', '0.log'), '2026-01-01T00:00:00.000000000Z stdout F hello\n');
    const s = resolveSettings({ rootDir: dir, anonymousAuth: true });
    const pod = minimalPod('default', 'web');
    server = new NodeApiServer(
      {
        address: '127.0.0.1', port: 0, readOnlyPort: 0, healthzBindAddress: '127.0.0.1', healthzPort: 0, enableServer: true,
        certDir: join(dir, 'pki'), tlsCipherSuites: [], authentication: s.authentication, authorization: s.authorization,
        enableDebuggingHandlers: true, hostnames: ['n1'], syncFrequencyMs: 60_000, maxLogFollowers: 1,
        timeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 100 },
      },
      {
        nodeName: 'n1', listPods: () => [pod], getPod: (_ns, name) => (name === 'web' ? pod : undefined),
        podLogDirectory: () => join(dir, 'logs'), runtime: () => undefined, reviewer: () => undefined,
        configz: () => ({}), lastSyncLoop: () => undefined, runTimeoutSeconds: 10,
        metricsText: async () => ({ contentType: 'text/plain', body: '' }), summary: async () => undefined,
      },
    );
    await server.start();
    port = server.addresses.secure!.port;
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a client that never finishes its headers is cut off after headersTimeout', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    const t0 = Date.now();
    socket.write('GET /pods HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    await once(socket, 'close');
    const ms = Date.now() - t0;
    assert.ok(ms < 2_000, `closed after ${ms} ms`);
    assert.match(answer, /^HTTP\/1.1 408/);
  });

  test('headers over 16 KiB: 431', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`https://127.0.0.1:${port}/pods`, { rejectUnauthorized: false, headers: { 'x-big': 'a'.repeat(20_000) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(r, 431);
  });

  test('followers beyond the cap get 429; the cap frees when one leaves', async () => {
    const url = `https://127.0.0.1:${port}/containerLogs/default/web/main?follow=true`;
    const first = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(url, { rejectUnauthorized: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(first.statusCode, 200);
    const second = await get(url);
    assert.equal(second.status, 429);
    first.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const third = await get(`https://127.0.0.1:${port}/containerLogs/default/web/main?tailLines=1`);
    assert.equal(third.status, 200);
    assert.equal(third.body, 'hello\n');
  });
});
