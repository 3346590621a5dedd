// The node HTTPS API standalone, against a real containerd: x509 client certificates made with
// openssl and requests made with curl, as an operator would. Each route answers 200 to a
// certificate from the configured CA; no certificate or one from another CA is a 401; the plain
// healthz port answers `ok`; nothing listens on the read-only port by default; GET-only routes
// answer 405 with Allow; traversal and oversized queries are 400; a followed log shows a new
// line within a second.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { curl, freePort, makeCa, type TestCa } from '../../helpers/node-api.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const POD = `web-${NODE}`;

describe('node API standalone (x509, curl)', { timeout: 180_000 }, () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let dir: string;
  let ca: TestCa;
  let client: { crt: string; key: string };
  let foreign: { crt: string; key: string };
  let base: string;
  let healthzPort: number;
  const auth = (): string[] => ['--cert', client.crt, '--key', client.key];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-nodeapi-'));
    ca = await makeCa(dir, 'ops');
    client = await ca.client('alice', ['ops', 'viewers']);
    foreign = await (await makeCa(dir, 'other')).client('mallory', ['ops']);
    env = await startContainerd();
    healthzPort = await freePort();
    h = await startSupervisor(env, {
      nodeApi: true,
      settings: {
        address: '127.0.0.1',
        port: 0,
        healthzPort,
        authentication: { clientCAFile: ca.crt, webhook: { enabled: true, cacheTTLMs: 120_000 }, anonymous: false },
        authorization: { mode: 'AlwaysAllow', webhook: { cacheAuthorizedTTLMs: 300_000, cacheUnauthorizedTTLMs: 30_000 } },
      },
    });
    base = `https://127.0.0.1:${h.sup.nodeApiAddresses.secure!.port}`;
    await h.write('web.yaml', manifest('web', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "echo first-line; echo second-line; exec sleep 3600"]}\n`));
    await h.waitPod('web', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined, 60_000);
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await rm(dir, { recursive: true, force: true });
  });

  test('the self-signed serving certificate is made under --cert-dir, key 0600', async () => {
    const key = await stat(join(h.settings.certDir, 'kubelet.key'));
    assert.equal(key.mode & 0o777, 0o600);
    await stat(join(h.settings.certDir, 'kubelet.crt'));
    // Pinning it works as with the kubelet's: the certificate is its own CA.
    const r = await curl(`https://${NODE}:${h.sup.nodeApiAddresses.secure!.port}/healthz`, ['--cacert', join(h.settings.certDir, 'kubelet.crt'), '--resolve', `${NODE}:${h.sup.nodeApiAddresses.secure!.port}:127.0.0.1`, ...auth()].filter((a) => a !== '-k'));
    assert.equal(r.status, 200, r.stderr);
  });

  test('200 on each route with a client certificate from clientCAFile', async () => {
    for (const path of ['/healthz', '/healthz/ping', '/healthz/log', '/healthz/syncloop']) {
      const r = await curl(`${base}${path}`, auth());
      assert.equal(r.status, 200, `${path}: ${r.body}`);
      assert.equal(r.body, 'ok');
    }
    const pods = await curl(`${base}/pods`, auth());
    assert.equal(pods.status, 200);
    const list = JSON.parse(pods.body) as { kind: string; items: Array<{ metadata: { name: string }; status?: { phase?: string } }> };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.items.find((p) => p.metadata.name === POD)?.status?.phase, 'Running');
    const running = await curl(`${base}/runningpods/`, auth());
    assert.equal(running.status, 200);
    const rp = JSON.parse(running.body) as { items: Array<{ metadata: { name: string }; spec: { containers: Array<{ name: string }> } }> };
    assert.deepEqual(rp.items.find((p) => p.metadata.name === POD)?.spec.containers.map((c) => c.name), ['app']);
    const logs = await curl(`${base}/containerLogs/default/${POD}/app`, auth());
    assert.equal(logs.status, 200);
    assert.equal(logs.body, 'first-line\nsecond-line\n');
    const tail = await curl(`${base}/containerLogs/default/${POD}/app?tailLines=1&timestamps=true`, auth());
    assert.match(tail.body, /^\d{4}-\d\d-\d\dT[\d:.]+Z second-line\n$/);
    const limited = await curl(`${base}/containerLogs/default/${POD}/app?limitBytes=5`, auth());
    assert.equal(limited.body, 'first');
    const configz = await curl(`${base}/configz`, auth());
    assert.equal(configz.status, 200);
    assert.equal((JSON.parse(configz.body) as { kubeletconfig: { authorization: { mode: string } } }).kubeletconfig.authorization.mode, 'AlwaysAllow');
    const run = await curl(`${base}/run/default/${POD}/app?cmd=echo%20hello%20node`, ['-X', 'POST', ...auth()]);
    assert.equal(run.status, 200, run.body);
    assert.equal(run.body, 'hello node\n');
    for (const path of ['/metrics', '/metrics/probes', '/metrics/resource']) {
      const m = await curl(`${base}${path}`, auth());
      assert.equal(m.status, 200, `${path}: ${m.body.slice(0, 200)}`);
      assert.match(m.body, /^# (HELP|TYPE) /m, path);
    }
    assert.match((await curl(`${base}/metrics`, auth())).body, /^kubelet_running_pods 1$/m);
    const summary = await curl(`${base}/stats/summary`, auth());
    assert.equal(summary.status, 200, summary.body);
    const sum = JSON.parse(summary.body) as { node: { nodeName: string }; pods: Array<{ podRef: { name: string } }> };
    assert.equal(sum.node.nodeName, NODE);
    assert.ok(sum.pods.some((p) => p.podRef.name === POD));
    // exec/attach/portForward are not proxied to the runtime's streaming server: 501, said plainly.
    const exec = await curl(`${base}/exec/default/${POD}/app?command=ls`, ['-X', 'POST', ...auth()]);
    assert.equal(exec.status, 501);
    assert.match(exec.body, /not implemented/);
  });

  test('no client certificate: 401 Unauthorized', async () => {
    const r = await curl(`${base}/pods`);
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized');
  });

  test('a certificate from another CA: 401', async () => {
    const r = await curl(`${base}/pods`, ['--cert', foreign.crt, '--key', foreign.key]);
    assert.equal(r.status, 401);
  });

  test('a bearer token without an API server: 401', async () => {
    const r = await curl(`${base}/pods`, ['-H', 'Authorization: Bearer abc']);
    assert.equal(r.status, 401);
  });

  test('/healthz on the plain healthz port answers ok without TLS', async () => {
    const r = await curl(`http://127.0.0.1:${healthzPort}/healthz`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    assert.equal((await curl(`http://127.0.0.1:${healthzPort}/pods`)).status, 404);
  });

  test('nothing listens on the read-only port by default', async () => {
    assert.equal(h.settings.readOnlyPort, 0);
    assert.equal(h.sup.nodeApiAddresses.readOnly, undefined);
    const r = await curl('http://127.0.0.1:10255/pods');
    assert.equal(r.status, 0);
    assert.equal(r.exitCode, 7, `curl: ${r.stderr}`); // couldn't connect
  });

  test('GET-only routes answer 405 with Allow', async () => {
    for (const path of ['/pods', `/containerLogs/default/${POD}/app`, '/configz']) {
      const r = await curl(`${base}${path}`, ['-X', 'DELETE', ...auth()]);
      assert.equal(r.status, 405, path);
      assert.equal(r.headers['allow'], 'GET');
    }
    const run = await curl(`${base}/run/default/${POD}/app?cmd=ls`, auth());
    assert.equal(run.status, 405);
    assert.equal(run.headers['allow'], 'POST');
  });

  test('path traversal, malformed and oversized query values: 400', async () => {
    const bad = [
      ['/containerLogs/default/../../../etc/passwd', ['--path-as-is']],
      ['/containerLogs/default/%2e%2e/%2e%2e', []],
      ['/containerLogs/default/web%2f..%2f..%2fetc/app', []],
      [`/containerLogs/default/${POD}/app?tailLines=99999999999999999999`, []],
      [`/containerLogs/default/${POD}/app?tailLines=ten`, []],
      [`/containerLogs/default/${POD}/app?follow=maybe`, []],
      [`/containerLogs/default/${POD}/app?sinceTime=yesterday`, []],
      [`/containerLogs/default/${POD}/app?sinceTime=${'9'.repeat(2000)}`, []],
      [`/containerLogs/default/${POD}/app?tailLines=1&tailLines=2`, []],
      [`/containerLogs/default/${'a'.repeat(300)}/app`, []],
    ] as const;
    for (const [path, extra] of bad) {
      const r = await curl(`${base}${path}`, [...extra, ...auth()]);
      assert.equal(r.status, 400, `${path.slice(0, 80)}: ${r.status} ${r.body}`);
    }
    // Valid syntax, invalid value: 422, as the API server's validation.
    assert.equal((await curl(`${base}/containerLogs/default/${POD}/app?tailLines=-1`, auth())).status, 422);
    assert.equal((await curl(`${base}/containerLogs/default/${POD}/nope`, auth())).status, 404);
    // A body where none belongs, too large: 413.
    const big = await curl(`${base}/run/default/${POD}/app?cmd=true`, ['-X', 'POST', '-H', `content-length: ${10 * 1024 * 1024}`, '--data-binary', 'x', '--max-time', '3', ...auth()]);
    assert.equal(big.status, 413, `oversized body: ${big.status} ${big.stderr}`);
  });

  test('follow streams a new line within 1 s', async () => {
    const child = spawn('curl', ['-sS', '-k', '-N', ...auth(), `${base}/containerLogs/default/${POD}/app?follow=true&tailLines=0`]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      // The stream is open once the headers are in; give curl a moment to connect.
      await new Promise((r) => setTimeout(r, 500));
      const marker = `marker-${Date.now()}`;
      const t0 = Date.now();
      await h.exec('web', 'app', ['sh', '-c', `echo ${marker} > /proc/1/fd/1`]);
      while (!out.includes(marker)) {
        if (Date.now() - t0 > 3_000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const ms = Date.now() - t0;
      console.log(`# follow: a new line reached the client ${ms} ms after the exec that wrote it started`);
      assert.ok(out.includes(marker), `marker not seen; got ${JSON.stringify(out)}`);
      assert.ok(ms < 1_000, `took ${ms} ms`);
      assert.ok(!out.includes('first-line'), 'tailLines=0 shows only new lines');
    } finally {
      child.kill();
    }
  });
});
