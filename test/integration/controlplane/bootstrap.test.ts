// TLS bootstrap as `kubeadm join` sets it up, with a real containerd and the kube-apiserver
// emulator acting as csrapprover and signer: staticlet starts from a bootstrap kubeconfig (a
// bootstrap token) only. A denied request and one nobody approves leave the static pod running
// and the state visible; once approved, the issued certificate is stored in the kubelet's layout,
// the kubeconfig is written, and every later request carries the node's x509 identity. With a
// 24 s certificate the rotation happens before expiry without a gap in Lease renewals.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { ControlPlaneView } from '../../../src/controlplane/index.js';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually, podYaml } from '../../helpers/manifests.js';

const TOKEN = 'abcdef.0123456789abcdef';
const LIFETIME_S = 24;
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE}`;
const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Csr {
  metadata: { name: string; creationTimestamp?: string };
  spec: { request: string; signerName: string; usages: string[]; username: string; groups: string[]; expirationSeconds?: number };
  status?: { certificate?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

function openssl(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout + stderr)));
    child.stdin!.end(input);
  });
}

describe('TLS bootstrap and client-certificate rotation against the emulator', { timeout: 120_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let kubeconfig: string;
  let issuedAt = 0;
  const view = (): NonNullable<ControlPlaneView['certificate']> | undefined => h.sup.controlPlaneView().certificate;
  const csrs = () => api.list('csr') as unknown as Csr[];

  before(async () => {
    api = await startApiServer({
      bootstrapTokens: { [TOKEN]: { extraGroups: ['system:bootstrappers:kubeadm:default-node-token'] } },
      csr: { approval: 'deny', signingDurationSeconds: LIFETIME_S, backdateSeconds: 0 },
    });
    const bootstrap = await api.kubeconfig({ token: TOKEN });
    kubeconfig = join(api.dir, 'kubelet.conf');
    env = await startContainerd();
    h = await startSupervisor(env, {
      settings: {
        kubeconfig,
        bootstrapKubeconfig: bootstrap,
        rotateCertificates: true,
        nodeStatusUpdateFrequencyMs: 1_000,
        nodeStatusReportFrequencyMs: 60_000,
        // Renewed every second (duration × 0.25).
        nodeLeaseDurationSeconds: 4,
      },
    });
    await h.write('web.yaml', podYaml('web'));
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test('denied, then never approved: the static pod runs and the state is visible', async () => {
    const denied = await eventually(() => (view()?.state === 'denied' ? view() : undefined), { timeoutMs: 20_000, intervalMs: 20, what: 'certificate denied' });
    assert.match(denied.error ?? '', /^certificate signing request is denied, reason: KubectlDeny, message: This CSR was denied by kubectl certificate deny\.$/);
    assert.ok(denied.csr && api.get('csr', undefined, denied.csr), 'the view names the denied CSR');
    assert.equal(h.sup.controlPlaneView().mode, 'api-server');
    // Nobody approves from now on: the next attempt (2 s later) stays pending.
    api.csr.approval = 'never';
    const pending = await eventually(() => (view()?.state === 'pending' && view()?.csr !== denied.csr ? view() : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'certificate pending' });
    const csr = api.get('csr', undefined, pending.csr!) as unknown as Csr;
    assert.deepEqual(csr.status?.conditions ?? [], []);
    const pod = await h.waitPod('web', (p) => p.status?.phase === 'Running', 60_000);
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(view()?.state, 'pending', 'still no certificate while the pod runs');
    assert.equal(api.get('Node', undefined, NODE), undefined, 'no Node without a certificate');
    await assert.rejects(stat(kubeconfig), /ENOENT/, 'no kubeconfig before a certificate');
    console.log(`# ${csrs().length} CSRs before approval; view: ${JSON.stringify(view())}`);
  });

  test('approved: the certificate is stored, the kubeconfig written, and only the node identity is used afterwards', async () => {
    const pending = view()!.csr!;
    const approvedAt = Date.now();
    api.csr.approval = 'auto';
    const issued = await eventually(() => (view()?.state === 'issued' ? view() : undefined), { timeoutMs: 10_000, intervalMs: 10, what: 'certificate issued' });
    issuedAt = Date.now();
    console.log(`# certificate in use ${issuedAt - approvedAt} ms after approval was switched on (pending CSR ${pending})`);
    const first = (api.get('csr', undefined, pending) as unknown as Csr);
    // The request as the kubelet makes it.
    assert.equal(first.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.deepEqual(first.spec.usages, ['digital signature', 'client auth']);
    assert.equal(first.spec.expirationSeconds, undefined);
    assert.equal(first.spec.username, 'system:bootstrap:abcdef');
    assert.ok(first.spec.groups.includes('system:bootstrappers'));
    assert.match(first.metadata.name, /^csr-[a-z0-9]{5}$/);
    const text = await openssl(['req', '-noout', '-text', '-verify', '-nameopt', 'RFC2253'], Buffer.from(first.spec.request, 'base64').toString());
    assert.match(text, /Subject: CN=system:node:node-1,O=system:nodes/);
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(text, /verify OK/);
    const approved = first.status?.conditions?.find((c) => c.type === 'Approved');
    assert.equal(approved?.reason, 'AutoApproved');
    assert.equal(approved?.message, 'Auto approving kubelet client certificate after SubjectAccessReview.');
    assert.equal(issued.csr, undefined, 'the view shows the certificate, not a request');
    assert.ok(issued.notAfter);

    // The store: 0700, one stamped pair, the -current symlink; the kubeconfig on it.
    const pki = h.settings.certDir;
    assert.equal((await stat(pki)).mode & 0o777, 0o700);
    const current = join(pki, 'kubelet-client-current.pem');
    assert.ok((await lstat(current)).isSymbolicLink());
    assert.match(await readlink(current), new RegExp(`^${pki}/kubelet-client-\\d{4}(-\\d\\d){5}\\.pem$`));
    const pem = await readFile(current, 'utf8');
    assert.ok(pem.startsWith(Buffer.from(first.status!.certificate!, 'base64').toString().trim()), 'the issued certificate, then the key');
    assert.match(pem, /-----BEGIN EC PRIVATE KEY-----/);
    assert.equal((await stat(kubeconfig)).mode & 0o777, 0o600);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    assert.equal(kc.getCurrentCluster()?.server, api.url);
    assert.equal(Buffer.from(kc.getCurrentCluster()!.caData!, 'base64').toString(), api.pki.caPem);
    assert.equal(kc.getCurrentUser()?.certFile, current);
    assert.equal(kc.getCurrentUser()?.keyFile, current);

    // Registration and the Lease go ahead with the node's certificate.
    await eventually(() => api.get('Lease', 'kube-node-lease', NODE), { timeoutMs: 15_000, what: 'lease' });
    const firstNodeRequest = api.requests.findIndex((r) => r.user === `system:node:${NODE}`);
    assert.ok(firstNodeRequest >= 0);
    const t = api.requests[firstNodeRequest]!.time;
    const later = api.requests.filter((r) => r.time >= t);
    const users = [...new Set(later.map((r) => `${r.user}:${(r.groups ?? []).join('+')}`))];
    assert.deepEqual(users, [`system:node:${NODE}:system:nodes+system:authenticated`], `identities after issuance: ${users.join(', ')}`);
    const earlier = api.requests.filter((r) => r.time < t);
    assert.ok(earlier.length > 0 && earlier.every((r) => r.user === 'system:bootstrap:abcdef' && r.path.startsWith(CSR_PATH)), 'the token only ever asked for certificates');
    assert.ok(later.some((r) => r.method === 'POST' && r.path === '/api/v1/nodes'));
  });

  test(`rotation (${LIFETIME_S} s certificates): a new one at 70-90 % of the lifetime, Lease renewals without a gap`, async () => {
    const old = await readFile(join(h.settings.certDir, 'kubelet-client-current.pem'), 'utf8');
    const oldNotAfter = Date.parse(view()!.notAfter!);
    const oldNotBefore = oldNotAfter - LIFETIME_S * 1000;
    const rotated = await eventually(() => (view()?.state === 'issued' && Date.parse(view()!.notAfter!) > oldNotAfter ? view() : undefined), { timeoutMs: (LIFETIME_S + 5) * 1000, intervalMs: 20, what: 'rotation' });
    const rotatedAt = Date.now();
    const fraction = (rotatedAt - oldNotBefore) / (LIFETIME_S * 1000);
    console.log(`# rotated at ${(fraction * 100).toFixed(1)} % of the lifetime, ${oldNotAfter - rotatedAt} ms before expiry`);
    assert.ok(rotatedAt < oldNotAfter, 'before expiry');
    // notBefore has whole seconds: allow for its truncation and the request's round trip.
    assert.ok(fraction >= 0.7 - 0.05 && fraction <= 0.9 + 0.1, `rotation at ${fraction}`);
    const renewal = csrs().find((c) => c.spec.username === `system:node:${NODE}` && c.status?.certificate);
    assert.ok(renewal, 'the renewal was requested with the node certificate');
    assert.equal(renewal.status?.conditions?.find((c) => c.type === 'Approved')?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
    assert.ok(rotated.notAfter);
    const now = await readFile(join(h.settings.certDir, 'kubelet-client-current.pem'), 'utf8');
    assert.notEqual(now, old);
    const files = (await readdir(h.settings.certDir)).filter((f) => /^kubelet-client-\d/.test(f));
    assert.equal(files.length, 2, files.join());

    // Past the old certificate's expiry (the emulator checks validity on every request), renewals go on.
    await sleep(Math.max(0, oldNotAfter - Date.now()) + 2_500);
    const renewals = api.requests.filter((r) => r.method === 'PUT' && r.path === LEASE_PATH && r.time >= issuedAt);
    assert.ok(renewals.length > 10, `renewals: ${renewals.length}`);
    assert.deepEqual([...new Set(renewals.map((r) => r.status))], [200], 'every renewal succeeded');
    const gaps = renewals.slice(1).map((r, i) => r.time - renewals[i]!.time);
    const maxGap = Math.max(...gaps);
    console.log(`# ${renewals.length} Lease renewals over ${((Date.now() - issuedAt) / 1000).toFixed(1)} s across the rotation; largest gap ${maxGap} ms (period 1000 ms + up to 4 % jitter)`);
    assert.ok(maxGap < 1_600, `largest gap between renewals ${maxGap} ms`);
    assert.equal(api.requests.filter((r) => r.time >= issuedAt && r.status === 401).length, 0, 'no request refused');
    const lease = api.get('Lease', 'kube-node-lease', NODE) as unknown as { spec: { renewTime: string } };
    assert.ok(Date.now() - Date.parse(lease.spec.renewTime) < 1_600, 'renewTime keeps advancing');
  });

  test('restart: the stored certificate and the written kubeconfig are used, the bootstrap token is not', async () => {
    const settings = h.settings;
    await h.stop();
    const from = api.requests.length;
    h = await startSupervisor(env, { dir: h.dir, settings: { kubeconfig: settings.kubeconfig!, bootstrapKubeconfig: settings.bootstrapKubeconfig!, rotateCertificates: true, nodeStatusUpdateFrequencyMs: 1_000, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 4 } });
    const v = await eventually(() => (view()?.state === 'issued' ? view() : undefined), { timeoutMs: 5_000, intervalMs: 10, what: 'certificate in use after restart' });
    assert.ok(v.notAfter);
    await eventually(() => api.requests.slice(from).some((r) => r.method === 'PUT' && r.path === LEASE_PATH && r.status === 200), { timeoutMs: 10_000, what: 'a lease renewal after restart' });
    const seen = api.requests.slice(from);
    assert.ok(seen.every((r) => r.user === `system:node:${NODE}`), [...new Set(seen.map((r) => r.user))].join());
    assert.ok(!seen.some((r) => r.method === 'POST' && r.path === CSR_PATH && r.user !== `system:node:${NODE}`), 'no bootstrap request');
  });
});
