// The client certificate pieces on their own: the PKCS#10 request (read back with openssl), the
// store's layout and atomic swap, the kubeconfig written beside it, the rotation deadline and the
// retry back-off; and the manager against the emulator's approver/signer (denied, never approved).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createSecureContext as tlsContext } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { clientUsages, makeCsr, newKey, nodeSubject } from '../../../src/controlplane/certificate/csr.js';
import { CertificateManager } from '../../../src/controlplane/certificate/manager.js';
import { retryDelayMs, rotationDeadline } from '../../../src/controlplane/certificate/schedule.js';
import { CertStore, CURRENT, parsePair, stamp, writeCertKubeconfig } from '../../../src/controlplane/certificate/store.js';
import { createLogger } from '../../../src/logging/logger.js';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';

const run = promisify(execFile);

async function openssl(args: string[], input: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr })));
    child.stdin!.end(input);
  });
}

test('the CSR: P-256 key, O=system:nodes CN=system:node:<node>, ECDSA-SHA256, no extensions, valid self-signature', async () => {
  const { key, pem } = newKey();
  assert.match(pem, /^-----BEGIN EC PRIVATE KEY-----\n/);
  const csr = await makeCsr(key, nodeSubject('node-1'));
  assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE REQUEST-----\n$/);
  const { stdout, stderr } = await openssl(['req', '-noout', '-text', '-verify', '-nameopt', 'RFC2253'], csr);
  assert.match(`${stdout}${stderr}`, /verify OK/);
  assert.match(stdout, /Subject: CN=system:node:node-1,O=system:nodes/);
  assert.match(stdout, /Public Key Algorithm: id-ecPublicKey/);
  assert.match(stdout, /NIST CURVE: P-256/);
  assert.match(stdout, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.doesNotMatch(stdout, /X509v3|Subject Alternative Name/);
  assert.match(stdout, /Version: 1 \(0x0\)/);
  assert.deepEqual(clientUsages(key), ['digital signature', 'client auth']);
});

test('an RSA key gets key encipherment and a SHA256-RSA request', async () => {
  const { privateKey } = (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.deepEqual(clientUsages(privateKey), ['key encipherment', 'digital signature', 'client auth']);
  const { stdout, stderr } = await openssl(['req', '-noout', '-text', '-verify'], await makeCsr(privateKey, nodeSubject('a-much-longer-node-name.example.com')));
  assert.match(`${stdout}${stderr}`, /verify OK/);
  assert.match(stdout, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(stdout, /CN *= *system:node:a-much-longer-node-name\.example\.com/);
});

test('rotation deadline: 70-90 % of the lifetime after notBefore', () => {
  const nb = Date.parse('2026-01-01T00:00:00Z');
  const na = nb + 100_000;
  assert.equal(rotationDeadline(nb, na, () => 0), nb + 70_000);
  assert.equal(rotationDeadline(nb, na, () => 1), nb + 90_000);
  for (let i = 0; i < 1000; i++) {
    const d = rotationDeadline(nb, na);
    assert.ok(d >= nb + 70_000 && d <= nb + 90_000, String(d - nb));
  }
});

test('retry back-off: 2, 4, 8, 16 s with up to 10 % jitter, then 32 s forever', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((a) => retryDelayMs(a, () => 0)), [2_000, 4_000, 8_000, 16_000, 32_000, 32_000, 32_000]);
  assert.deepEqual([1, 2, 3, 4].map((a) => Math.round(retryDelayMs(a, () => 1))), [2_200, 4_400, 8_800, 17_600]);
});

test('file stamp is the kubelet layout 2006-01-02-15-04-05 (local time)', () => {
  assert.equal(stamp(new Date(2026, 0, 2, 3, 4, 5)), '2026-01-02-03-04-05');
});

describe('store and kubeconfig on disk', () => {
  let dir: string;
  let api: ApiServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-certstore-'));
    api = await startApiServer({ csr: { approval: 'never' } });
  });
  after(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function issued(name: string): Promise<{ certPem: string; keyPem: string }> {
    const { key, pem } = newKey();
    const certPem = await api.pki.signWindow(await makeCsr(key, nodeSubject(name)), { notBefore: Date.now() - 1000, notAfter: Date.now() + 3600_000, keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth'] });
    return { certPem, keyPem: pem };
  }

  test('0700 directory, 0600 stamped files, -current swapped atomically under readers', async () => {
    let t = Date.parse('2026-03-04T05:06:07Z');
    const store = new CertStore(join(dir, 'pki'), () => new Date((t += 1000)));
    const a = await issued('n1');
    const first = await store.update(a.certPem, a.keyPem);
    assert.equal((await stat(store.dir)).mode & 0o777, 0o700);
    const files = (await readdir(store.dir)).sort();
    assert.equal(files.length, 2, files.join());
    assert.ok(files.includes(CURRENT));
    const pairFile = files.find((f) => f !== CURRENT)!;
    assert.match(pairFile, /^kubelet-client-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/);
    assert.equal((await stat(join(store.dir, pairFile))).mode & 0o777, 0o600);
    assert.ok((await lstat(store.currentPath)).isSymbolicLink());
    assert.equal(await readlink(store.currentPath), join(store.dir, pairFile), 'an absolute target, as the kubelet writes it');
    const text = await readFile(store.currentPath, 'utf8');
    assert.match(text, /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----/);
    assert.equal((await store.current())?.leaf.serialNumber, first.leaf.serialNumber);

    // Readers during ten swaps always find a whole pair whose key matches its certificate.
    const pairs = await Promise.all(Array.from({ length: 10 }, () => issued('n1')));
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const p = await store.current();
        assert.ok(p, 'a pair at every read');
        reads++;
      }
    })();
    for (const p of pairs) await store.update(p.certPem, p.keyPem);
    stop = true;
    await reader;
    assert.ok(reads > 10, `reads: ${reads}`);
    assert.equal((await store.current())?.leaf.serialNumber, parsePair(pairs[9]!.certPem, pairs[9]!.keyPem).leaf.serialNumber);
    assert.equal((await readdir(store.dir)).filter((f) => f.endsWith('.tmp')).length, 0);
  });

  test('a -current that is not a symlink is left alone', async () => {
    const store = new CertStore(join(dir, 'pki-file'));
    await store.ensureDir();
    await writeFile(store.currentPath, 'not ours');
    const a = await issued('n1');
    await assert.rejects(store.update(a.certPem, a.keyPem), /to be a symlink/);
    assert.equal(await readFile(store.currentPath, 'utf8'), 'not ours');
  });

  test('a mismatched key is refused', async () => {
    const a = await issued('n1');
    assert.throws(() => parsePair(a.certPem, newKey().pem), /does not match/);
  });

  test('the kubeconfig: 0600, default-auth on kubelet-client-current.pem, a planted symlink replaced not followed', async () => {
    const store = new CertStore(join(dir, 'pki-kc'));
    const a = await issued('n1');
    await store.update(a.certPem, a.keyPem);
    const victim = join(dir, 'victim');
    await writeFile(victim, 'keep me');
    const path = join(dir, 'kubelet.conf');
    await symlink(victim, path);
    await writeCertKubeconfig(path, { server: api.url, caPem: api.pki.caPem }, store.currentPath);
    assert.equal(await readFile(victim, 'utf8'), 'keep me');
    const st = await lstat(path);
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, 0o600);
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    assert.equal(kc.getCurrentContext(), 'default-context');
    assert.equal(kc.getCurrentUser()?.name, 'default-auth');
    assert.equal(kc.getCurrentUser()?.certFile, store.currentPath);
    assert.equal(kc.getCurrentUser()?.keyFile, store.currentPath);
    assert.equal(kc.getCurrentCluster()?.server, api.url);
    // Node's TLS takes the combined file for both certificate and key, as kubectl does.
    const opts: { cert?: Buffer; key?: Buffer } = {};
    await kc.applyToHTTPSOptions(opts as never);
    assert.doesNotThrow(() => tlsContext({ cert: opts.cert, key: opts.key }));
    const { stdout } = await run('openssl', ['x509', '-in', store.currentPath, '-noout', '-subject']);
    assert.match(stdout, /system:node:n1/);
  });
});

describe('manager: a request that is denied, one never approved', () => {
  let api: ApiServer;
  let dir: string;
  before(async () => {
    api = await startApiServer({ bootstrapTokens: { 'abcdef.0123456789abcdef': {} }, csr: { approval: 'deny' } });
    dir = await mkdtemp(join(tmpdir(), 'stl-certmgr-'));
  });
  after(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function logSink(): { logger: ReturnType<typeof createLogger>; lines: Array<{ msg: string; csr?: string; err?: string }> } {
    const lines: Array<{ msg: string }> = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { msg: string });
        cb();
      },
    });
    return { logger: createLogger({ format: 'json', destination }), lines };
  }

  test('denied: state denied with the reason, retried with back-off (new CSRs), logged once', async (t) => {
    const boot = await api.kubeconfig({ token: 'abcdef.0123456789abcdef' });
    const { logger, lines } = logSink();
    const m = new CertificateManager({ nodeName: 'n1', store: new CertStore(join(dir, 'pki')), kubeconfig: join(dir, 'kubelet.conf'), bootstrapKubeconfig: boot, rotate: true, logger, onCertificate: () => assert.fail('no certificate') , random: () => 0 });
    await m.init();
    const ac = new AbortController();
    const loop = m.run(ac.signal);
    t.after(() => ac.abort());
    const t0 = Date.now();
    while ((api.list('csr').length < 3 || m.view().state !== 'denied') && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await loop;
    const csrs = api.list('csr');
    assert.ok(csrs.length >= 3, `CSRs: ${csrs.length}`);
    const v = m.view();
    assert.equal(v.state, 'denied');
    assert.match(v.error ?? '', /certificate signing request is denied, reason: KubectlDeny, message: This CSR was denied by kubectl certificate deny\./);
    assert.ok(v.csr?.startsWith('csr-'));
    const created = api.requests.filter((r) => r.method === 'POST' && r.path === '/apis/certificates.k8s.io/v1/certificatesigningrequests').map((r) => r.time);
    // 2 s, then 4 s between attempts (random() = 0: no jitter).
    assert.ok(created[1]! - created[0]! >= 1_950 && created[1]! - created[0]! < 3_000, `first retry after ${created[1]! - created[0]!} ms`);
    assert.ok(created[2]! - created[1]! >= 3_950 && created[2]! - created[1]! < 5_500, `second retry after ${created[2]! - created[1]!} ms`);
    const msgs = lines.map((l) => l.msg);
    assert.equal(msgs.filter((m) => /request denied/.test(m)).length, 1, msgs.join('\n'));
    assert.equal(msgs.filter((m) => /requesting one/.test(m)).length, 1, msgs.join('\n'));
    assert.equal(msgs.filter((m) => /waiting for the certificate signing request/.test(m)).length, 1, msgs.join('\n'));
  });

  test('never approved: pending on one CSR; a new one after the wait timeout', async (t) => {
    api.csr.approval = 'never';
    const before = api.list('csr').length;
    const boot = await api.kubeconfig({ token: 'abcdef.0123456789abcdef' });
    const { logger, lines } = logSink();
    const m = new CertificateManager({ nodeName: 'n2', store: new CertStore(join(dir, 'pki2')), kubeconfig: join(dir, 'kubelet2.conf'), bootstrapKubeconfig: boot, rotate: false, logger, onCertificate: () => assert.fail('no certificate'), waitTimeoutMs: 1_500, random: () => 0 });
    await m.init();
    const ac = new AbortController();
    const loop = m.run(ac.signal);
    t.after(() => ac.abort());
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(m.view().state, 'pending');
    assert.equal(api.list('csr').length - before, 1);
    const first = m.view().csr;
    // After the 1.5 s wait and the 2 s back-off: a second request.
    const t0 = Date.now();
    while ((api.list('csr').length - before < 2 || m.view().state !== 'pending') && Date.now() - t0 < 6_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(api.list('csr').length - before, 2);
    assert.equal(m.view().state, 'pending');
    assert.notEqual(m.view().csr, first, 'the view names the new request');
    assert.ok(api.get('csr', undefined, m.view().csr!));
    // A third request after the second times out and 4 s pass; the time-out is logged once.
    while (api.list('csr').length - before < 3 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(api.list('csr').length - before, 3);
    ac.abort();
    await loop;
    const msgs = lines.map((l) => l.msg);
    assert.equal(msgs.filter((x) => /not signed in time/.test(x)).length, 1, msgs.join('\n'));
    assert.equal(msgs.filter((x) => /waiting for the certificate signing request/.test(x)).length, 1, msgs.join('\n'));
    await assert.rejects(readFile(join(dir, 'kubelet2.conf')), /ENOENT/, 'no kubeconfig without a certificate');
  });
});
