// serverTLSBootstrap with the emulator and a real containerd: the node API's certificate is
// requested by CSR (signer kubernetes.io/kubelet-serving, the node's addresses as SANs); the
// self-signed pair is served while the request waits for an administrator; once approved (as
// `kubectl certificate approve` does it) the cluster-signed certificate is served within seconds
// by the same listener, no restart; with short certificates it is rotated and swapped again
// while /healthz is polled over new, CA-verified connections without a single failure, and a
// connection opened before the swaps still answers with the pair it began with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer, type KubeObject } from '../../support/apiserver/index.js';
import { decideCsr, HAVE_KUBECTL, KUBECTL_APPROVE } from '../../support/kubectl.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const LIFETIME_S = 12;
const CSRS = 'certificatesigningrequests';

/** The certificate the listener presents to a new connection (no verification: we look at it). */
function peerCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

/** GET /healthz over a new connection that must verify against `ca` (IP SAN 127.0.0.1): status and the serial served. */
function healthz(port: number, ca: string): Promise<{ status: number; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', ca, agent: false, timeout: 5_000 }, (res) => {
      const serial = ((res.socket as unknown as { getPeerCertificate(): PeerCertificate }).getPeerCertificate().serialNumber ?? '').toUpperCase();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serial }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A kept-alive connection that sends GET /healthz on demand: what one sees across a swap. */
async function keptAlive(port: number): Promise<{ serial: string; get(): Promise<string>; close(): void }> {
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(s));
    s.on('error', reject);
  });
  const get = () =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (d: Buffer) => {
        text += d.toString();
        // /healthz answers `ok` with a Content-Length: the whole response is in once the body is.
        if (/\r\n\r\nok$/.test(text)) {
          socket.off('data', onData);
          resolve(text.split('\r\n')[0]!);
        }
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    });
  return { serial: socket.getPeerX509Certificate()!.serialNumber.toUpperCase(), get, close: () => socket.destroy() };
}

const servingCsrs = (api: ApiServer): KubeObject[] => api.list(CSRS).filter((o) => (o['spec'] as { signerName?: string }).signerName === 'kubernetes.io/kubelet-serving');
const approved = (o: KubeObject) => ((o['status'] as { conditions?: Array<{ type: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Approved');

describe('serverTLSBootstrap: the node API certificate from the cluster', { timeout: 180_000 }, () => {
  let env: ContainerdEnv;
  let api: ApiServer;
  let h: SupervisorHarness;
  let port: number;
  let admin: string;

  before(async () => {
    env = await startContainerd();
    // Serving requests wait for an administrator (upstream); certificates live 12 s so rotation shows within the test.
    api = await startApiServer({ tokens: { 'admin-token': { user: 'admin', groups: ['system:masters'] } }, csr: { approval: 'auto', servingApproval: 'manual', signingDurationSeconds: LIFETIME_S, backdateSeconds: 0 } });
    admin = await api.kubeconfig('admin');
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    h = await startSupervisor(env, {
      nodeApi: true,
      settings: {
        kubeconfig,
        serverTLSBootstrap: true,
        address: '127.0.0.1',
        port: 0,
        healthzPort: 0,
        authentication: { webhook: { enabled: false, cacheTTLMs: 120_000 }, anonymous: true },
        authorization: { mode: 'AlwaysAllow', webhook: { cacheAuthorizedTTLMs: 300_000, cacheUnauthorizedTTLMs: 30_000 } },
      },
    });
    port = h.sup.nodeApiAddresses.secure!.port;
  });
  after(async () => {
    await h?.stop();
    await api?.stop();
    await env?.down();
  });

  test('a pending CSR with the kubelet-serving signer, node subject, serving usages and the node addresses; self-signed served meanwhile', async () => {
    const csr = await eventually(() => servingCsrs(api)[0], { timeoutMs: 30_000, intervalMs: 100, what: 'the serving CSR' });
    const spec = csr['spec'] as { usages: string[]; username: string; groups: string[]; request: string; expirationSeconds?: number };
    assert.deepEqual(spec.usages, ['digital signature', 'server auth']);
    assert.equal(spec.username, `system:node:${NODE}`, 'requested with the node credentials');
    assert.ok(spec.groups.includes('system:nodes'));
    assert.equal(spec.expirationSeconds, undefined, 'no expirationSeconds, as the kubelet');
    assert.match(csr.metadata.name!, /^csr-/);
    const text = await new Promise<string>((resolve, reject) => {
      const child = execFile('openssl', ['req', '-noout', '-text', '-verify', '-nameopt', 'RFC2253'], (err, out) => (err ? reject(err) : resolve(out)));
      child.stdin!.end(Buffer.from(spec.request, 'base64'));
    });
    assert.match(text, new RegExp(`Subject: CN=system:node:${NODE},O=system:nodes`));
    assert.match(text, new RegExp(`DNS:${NODE}, IP Address:127\\.0\\.0\\.1`));
    // Nobody approves kubelet-serving requests on their own: it stays pending.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(approved(api.get('CertificateSigningRequest', undefined, csr.metadata.name!)!), false);
    assert.equal(h.sup.controlPlaneView().servingCertificate?.state, 'pending');
    assert.equal(h.sup.controlPlaneView().servingCertificate?.csr, csr.metadata.name);
    // Meanwhile the listener serves the self-signed pair from --cert-dir.
    const served = await peerCertificate(port);
    const selfSigned = new X509Certificate(await readFile(join(h.settings.certDir, 'kubelet.crt')));
    assert.equal(served.fingerprint256, selfSigned.fingerprint256);
    assert.equal(served.issuer, served.subject);
    assert.equal((await healthz(port, selfSigned.toString())).status, 200);
  });

  test('approved (kubectl certificate approve): the cluster-signed certificate is served within seconds, no restart', { skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, async (t) => {
    const name = servingCsrs(api)[0]!.metadata.name!;
    const cache = join(api.dir, 'kubectl-cache');
    // `kubectl certificate approve <name>` (see decideCsr for why it goes through replace --raw).
    await decideCsr(admin, cache, api.dir, name, 'Approved', KUBECTL_APPROVE);
    const approvedAt = Date.now();
    const served = await eventually(
      async () => {
        const c = await peerCertificate(port);
        return c.issuer !== c.subject ? c : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 100, what: 'the cluster-signed certificate' },
    );
    assert.ok(Date.now() - approvedAt < 5_000);
    t.diagnostic(`approval to cluster-signed certificate served: ${Date.now() - approvedAt} ms`);
    assert.ok(served.verify(new X509Certificate(api.pki.caPem).publicKey), 'signed by the cluster CA');
    assert.match(served.subject, new RegExp(`CN=system:node:${NODE}`));
    assert.equal(served.subjectAltName, `DNS:${NODE}, IP Address:127.0.0.1`);
    assert.deepEqual(served.keyUsage ?? [], ['1.3.6.1.5.5.7.3.1'], 'server auth');
    // Same listener, same port; a CA-verifying client now succeeds.
    assert.equal(h.sup.nodeApiAddresses.secure!.port, port);
    assert.equal((await healthz(port, api.pki.caPem)).status, 200);
    const files = await readdir(h.settings.certDir);
    assert.ok(files.includes('kubelet-server-current.pem'), files.join(','));
    assert.ok(files.some((f) => /^kubelet-server-\d{4}(-\d\d){5}\.pem$/.test(f)), files.join(','));
    assert.equal(h.sup.controlPlaneView().servingCertificate?.state, 'issued');
  });

  test('rotation with short certificates swaps again; /healthz over new verified connections never fails', { skip: HAVE_KUBECTL ? false : 'kubectl is not installed' }, async (t) => {
    // From here an approver (the admin's, or kubelet-csr-approver) approves the node's renewals.
    api.csr.servingApproval = 'auto';
    // A connection opened before the swaps: it keeps the pair it began with and keeps working.
    const old = await keptAlive(port);
    assert.equal(await old.get(), 'HTTP/1.1 200 OK');
    const first = old.serial;
    const serials = new Set<string>([first]);
    const failures: string[] = [];
    let polls = 0;
    const deadline = Date.now() + 2.5 * LIFETIME_S * 1000;
    // Every 100 ms a new connection that must verify against the cluster CA: an expired or unknown certificate fails it.
    while (Date.now() < deadline && serials.size < 3) {
      try {
        const r = await healthz(port, api.pki.caPem);
        polls += 1;
        if (r.status !== 200) failures.push(`status ${r.status}`);
        serials.add(r.serial);
      } catch (err) {
        failures.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await old.get(), 'HTTP/1.1 200 OK', 'the connection opened before the swaps still answers');
    assert.equal(old.serial, first);
    old.close();
    assert.deepEqual(failures, [], `${polls} polls`);
    t.diagnostic(`${polls} polls over new connections, ${serials.size} certificates seen, 0 failures`);
    assert.ok(serials.size >= 3, `two rotations seen (serials ${[...serials].join(', ')})`);
    assert.ok(servingCsrs(api).filter(approved).length >= 3);
    assert.equal(h.sup.nodeApiAddresses.secure!.port, port, 'the same listener throughout');
  });
});

