/**
 * The node API's TLS: the serving certificate (tlsCertFile/tlsPrivateKeyFile, else a
 * self-signed pair made once under --cert-dir as the kubelet makes kubelet.crt/kubelet.key),
 * the client CA that x509 authentication verifies against, and tlsMinVersion/tlsCipherSuites in
 * the kubelet's (Go's) names mapped to OpenSSL's.
 */
import { webcrypto, randomBytes, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { SecureVersion, TlsOptions } from 'node:tls';
import type { Logger } from '../../logging/logger.js';

export const SELF_SIGNED_CERT = 'kubelet.crt';
export const SELF_SIGNED_KEY = 'kubelet.key';
/** The kubelet's self-signed serving certificate is valid for a year. */
const SELF_SIGNED_DAYS = 365;

const MIN_VERSIONS: Record<string, SecureVersion> = {
  VersionTLS10: 'TLSv1',
  VersionTLS11: 'TLSv1.1',
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
};

/** Go crypto/tls suite names (TLS 1.0-1.2) and OpenSSL's for the same suites. */
const CIPHERS: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
};
/** TLS 1.3 suites: Go ignores the configured list for 1.3, so these are always on, as there. */
const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
/** Suites Go lists as insecure (logged by the kubelet): CBC with SHA-1/SHA-256 MACs, static RSA. */
const INSECURE = /(_CBC_SHA256|^TLS_RSA_)/;

/** tlsMinVersion / tlsCipherSuites as Node TLS options; unknown names throw (a typo must not weaken TLS silently). */
export function tlsVersionAndCiphers(minVersion: string | undefined, suites: readonly string[], logger?: Logger): Pick<TlsOptions, 'minVersion' | 'ciphers'> {
  const out: Pick<TlsOptions, 'minVersion' | 'ciphers'> = {};
  if (minVersion) {
    const v = MIN_VERSIONS[minVersion];
    if (!v) throw new Error(`tlsMinVersion "${minVersion}": must be one of ${Object.keys(MIN_VERSIONS).join(', ')}`);
    out.minVersion = v;
  }
  if (suites.length > 0) {
    const names: string[] = [];
    for (const s of suites) {
      if (TLS13.includes(s)) continue;
      const n = CIPHERS[s];
      if (!n) throw new Error(`tlsCipherSuites: "${s}" is not a supported cipher suite (${Object.keys(CIPHERS).join(', ')}, or a TLS 1.3 suite)`);
      if (INSECURE.test(s)) logger?.warn({ suite: s }, 'node API: an insecure TLS cipher suite is configured');
      names.push(n);
    }
    out.ciphers = [...TLS13, ...names].join(':');
  }
  return out;
}

export interface ServingPair {
  cert: string;
  key: string;
  /** Where it came from, for the start-up log. */
  certFile: string;
  selfSigned: boolean;
}

/** The configured pair, or the self-signed one under certDir (made on first use). */
export async function servingPair(o: { certFile?: string; keyFile?: string; certDir: string; hostnames: string[]; logger?: Logger }): Promise<ServingPair> {
  if (o.certFile && o.keyFile) {
    return { cert: await readFile(o.certFile, 'utf8'), key: await readFile(o.keyFile, 'utf8'), certFile: o.certFile, selfSigned: false };
  }
  const certFile = join(o.certDir, SELF_SIGNED_CERT);
  const keyFile = join(o.certDir, SELF_SIGNED_KEY);
  const existing = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]).catch(() => undefined);
  if (existing && usable(existing[1])) return { cert: existing[0], key: existing[1], certFile, selfSigned: true };
  const made = await selfSigned(o.hostnames);
  await mkdir(o.certDir, { recursive: true, mode: 0o700 });
  // The key first, private from its first byte; each file appears whole (rename) or not at all.
  await writeAtomic(keyFile, made.key, 0o600);
  await writeAtomic(certFile, made.cert, 0o644);
  o.logger?.info({ certFile, keyFile }, 'node API: generated a self-signed serving certificate');
  return { ...made, certFile, selfSigned: true };
}

function usable(keyPem: string): boolean {
  try {
    createPrivateKey(keyPem);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/**
 * A P-256 key and a self-signed certificate for the node's names and addresses (CN
 * `<host>@<unix time>`, as the kubelet names its own). @peculiar/x509 encodes it; it is loaded
 * only here, when a certificate has to be made.
 */
async function selfSigned(hostnames: string[]): Promise<{ cert: string; key: string }> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
  const names = [...new Set(hostnames.filter(Boolean))];
  const host = names[0] ?? 'localhost';
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: `CN=${host}@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + SELF_SIGNED_DAYS * 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      // CA so that clients may pin it with --cacert, as they pin the kubelet's.
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n }))),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert: `${cert.toString('pem')}\n`, key };
}
