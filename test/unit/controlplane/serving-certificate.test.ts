// The serving certificate's request (serverTLSBootstrap) on its own: the template from the
// node's addresses, the PKCS#10 request read back with openssl, the usages, whether a
// certificate still satisfies the template, the store's kubelet-server layout, and the
// emulator's ValidateKubeletServingCSR.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeCsr, newKey, servingTemplate, servingUsages } from '../../../src/controlplane/certificate/csr.js';
import { certificateSans, satisfies } from '../../../src/controlplane/certificate/manager.js';
import { CertStore, SERVING_PREFIX } from '../../../src/controlplane/certificate/store.js';
import { nodeAddresses } from '../../../src/node/node-object.js';
import { kubeletServingError, parseRequest } from '../../support/apiserver/csr.js';
import { createPki } from '../../support/apiserver/pki.js';

function openssl(args: string[], input: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr })));
    child.stdin!.end(input);
  });
}

test('serving template: the Node addresses as SANs (Hostname DNS, InternalIP IP), node subject, sorted, each once', () => {
  assert.deepEqual(servingTemplate('node-1', nodeAddresses({ nodeName: 'node-1', nodeIP: '10.0.0.7' })), {
    commonName: 'system:node:node-1',
    organization: ['system:nodes'],
    dnsNames: ['node-1'],
    ipAddresses: ['10.0.0.7'],
  });
  const t = servingTemplate('n', [
    { type: 'Hostname', address: 'n.example' },
    { type: 'InternalDNS', address: 'a.internal' },
    { type: 'ExternalDNS', address: 'n.example' },
    { type: 'InternalIP', address: '10.0.0.9' },
    { type: 'ExternalIP', address: '192.0.2.1' },
    { type: 'InternalIP', address: 'not-an-ip' },
    { type: 'Hostname', address: '10.0.0.9' },
    { type: 'InternalIP', address: '' },
    { type: 'Whatever', address: 'x' },
  ]);
  assert.deepEqual(t?.dnsNames, ['a.internal', 'n.example']);
  assert.deepEqual(t?.ipAddresses, ['10.0.0.9', '192.0.2.1'], 'a Hostname that is an IP is an IP SAN');
  assert.equal(servingTemplate('n', []), undefined, 'no address: nothing to ask for');
});

test('serving CSR: SANs in an extension request, node subject, valid signature; usages per key type', async () => {
  const { key } = newKey();
  const csr = await makeCsr(key, servingTemplate('node-1', [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: 'fd00::7' }])!);
  const { stdout, stderr } = await openssl(['req', '-noout', '-text', '-verify', '-nameopt', 'RFC2253'], csr);
  assert.match(`${stdout}${stderr}`, /verify OK/);
  assert.match(stdout, /Subject: CN=system:node:node-1,O=system:nodes/);
  assert.match(stdout, /Requested Extensions:\s+X509v3 Subject Alternative Name:\s*\n\s*DNS:node-1, IP Address:10\.0\.0\.7, IP Address:FD00:0:0:0:0:0:0:7/i);
  assert.deepEqual(servingUsages(key), ['digital signature', 'server auth']);
  assert.deepEqual(servingUsages(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), ['key encipherment', 'digital signature', 'server auth']);
  // The emulator's reading of it: what ValidateKubeletServingCSR sees.
  const parsed = parseRequest(Buffer.from(csr).toString('base64'));
  assert.ok(!(parsed instanceof Error));
  assert.deepEqual(parsed.dnsNames, ['node-1']);
  assert.equal(parsed.ipAddresses.length, 2);
  assert.equal(kubeletServingError(parsed, servingUsages(key)), undefined);
});

test('emulator: ValidateKubeletServingCSR refuses what the kubelet-serving signer refuses', async () => {
  const { key } = newKey();
  const parse = async (t: Parameters<typeof makeCsr>[1]) => {
    const p = parseRequest(Buffer.from(await makeCsr(key, t)).toString('base64'));
    assert.ok(!(p instanceof Error));
    return p;
  };
  const ok = { commonName: 'system:node:n', organization: ['system:nodes'], dnsNames: ['n'] };
  const usages = ['digital signature', 'server auth'];
  assert.equal(kubeletServingError(await parse(ok), usages), undefined);
  assert.equal(kubeletServingError(await parse(ok), ['key encipherment', ...usages]), undefined);
  assert.equal(kubeletServingError(await parse({ ...ok, organization: ['system:masters'] }), usages), 'subject organization is not system:nodes');
  assert.equal(kubeletServingError(await parse({ ...ok, dnsNames: [] }), usages), 'DNS or IP subjectAltName is required');
  assert.equal(kubeletServingError(await parse({ ...ok, commonName: 'n' }), usages), 'subject common name does not begin with system:node:');
  assert.match(kubeletServingError(await parse(ok), ['digital signature', 'client auth']) ?? '', /usages did not match/);
  assert.match(kubeletServingError(await parse(ok), ['server auth']) ?? '', /usages did not match/, 'a subset is refused: upstream compares sets');
  const withEmail = { ...(await parse(ok)), emails: ['a@b'] };
  assert.equal(kubeletServingError(withEmail, usages), 'Email subjectAltNames are not allowed');
  assert.equal(kubeletServingError({ ...(await parse(ok)), uris: ['spiffe://x'] }, usages), 'URI subjectAltNames are not allowed');
});

test('a serving certificate satisfies the template only with the same subject and SANs; the store keeps kubelet-server files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'staticlet-serving-'));
  try {
    const pki = await createPki(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
    const { key, pem } = newKey();
    const template = servingTemplate('node-1', [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '::1' }])!;
    const certPem = await pki.signWindow(await makeCsr(key, template), {
      notBefore: Date.now() - 1000,
      notAfter: Date.now() + 3600_000,
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth'],
      subjectAltNames: ['DNS:node-1', 'IP:10.0.0.7', 'IP:::1'],
    });
    const store = new CertStore(join(dir, 'pki'), undefined, SERVING_PREFIX);
    const pair = await store.update(certPem, pem);
    const files = await readdir(store.dir);
    assert.ok(files.includes('kubelet-server-current.pem'), files.join(','));
    assert.ok(files.some((f) => /^kubelet-server-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/.test(f)), files.join(','));
    assert.equal((await store.current())?.certPem, pair.certPem);
    assert.deepEqual(certificateSans(pair), { dnsNames: ['node-1'], ipAddresses: ['10.0.0.7', '::1'] });
    assert.ok(satisfies(pair, template));
    assert.ok(!satisfies(pair, { ...template, ipAddresses: ['10.0.0.8', '::1'] }), 'an address changed: rotate now');
    assert.ok(!satisfies(pair, { ...template, dnsNames: [] }));
    assert.ok(!satisfies(pair, servingTemplate('node-2', [{ type: 'Hostname', address: 'node-1' }])!), 'another node name');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
