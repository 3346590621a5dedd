/**
 * The node's certificates on disk, in the kubelet's layout under --cert-dir (`kubelet-client`
 * for the client certificate, `kubelet-server` for the serving one with serverTLSBootstrap):
 *
 *   kubelet-client-<YYYY-MM-DD-HH-MM-SS>.pem   certificate(s) then key, 0600
 *   kubelet-client-current.pem                 symlink to the newest pair (absolute path)
 *
 * A new pair is written to a temporary name and renamed into place, then the symlink is made
 * under `kubelet-client-updated.pem` and renamed over `-current`, so a reader sees the old pair
 * or the new one, never half of either. The directory is staticlet's own (0700, created here);
 * the kubeconfig written beside it goes through a temporary file and a rename, so a symlink
 * planted at its path is replaced, not followed.
 */
import { randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { keyFromPem } from './csr.js';

export const PAIR_PREFIX = 'kubelet-client';
export const SERVING_PREFIX = 'kubelet-server';
export const CURRENT = `${PAIR_PREFIX}-current.pem`;

/** A certificate with its key, as loaded from the store or a kubeconfig. */
export interface CertPair {
  /** Leaf first, then any intermediates. */
  certPem: string;
  keyPem: string;
  leaf: X509Certificate;
  key: KeyObject;
  notBefore: number;
  notAfter: number;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----\r?\n?/g;

export function pemBlocks(text: string): Array<{ type: string; pem: string }> {
  return [...text.matchAll(BLOCK)].map((m) => ({ type: m[1]!, pem: m[0].endsWith('\n') ? m[0] : `${m[0]}\n` }));
}

/** Certificates and one private key from PEM text (the store's combined file, or two files). */
export function parsePair(certText: string, keyText: string): CertPair {
  const certs = pemBlocks(certText).filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) throw new Error('no certificate in PEM data');
  const keyBlock = pemBlocks(keyText).find((b) => /PRIVATE KEY$/.test(b.type));
  if (!keyBlock) throw new Error('no private key in PEM data');
  const leaf = new X509Certificate(certs[0]!.pem);
  const key = keyFromPem(keyBlock.pem);
  if (!leaf.checkPrivateKey(key)) throw new Error('the private key does not match the certificate');
  return { certPem: certs.map((c) => c.pem).join(''), keyPem: keyBlock.pem, leaf, key, notBefore: Date.parse(leaf.validFrom), notAfter: Date.parse(leaf.validTo) };
}

/** True when no certificate in the chain has expired (isClientConfigStillValid's check). */
export function unexpired(certText: string, now = Date.now()): boolean {
  const certs = pemBlocks(certText).filter((b) => b.type === 'CERTIFICATE');
  return certs.length > 0 && certs.every((c) => now <= Date.parse(new X509Certificate(c.pem).validTo));
}

/** `2006-01-02-15-04-05` in local time, the kubelet's file stamp. */
export function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx': a fresh file, never an existing one (or a symlink) at the temporary name.
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export class CertStore {
  readonly dir: string;
  constructor(
    dir: string,
    private readonly now: () => Date = () => new Date(),
    /** The file names' prefix: PAIR_PREFIX (client) or SERVING_PREFIX. */
    readonly prefix: string = PAIR_PREFIX,
  ) {
    this.dir = resolve(dir);
  }

  get currentPath(): string {
    return join(this.dir, `${this.prefix}-current.pem`);
  }

  /** Creates the directory 0700 if missing (an existing one keeps its mode). */
  async ensureDir(): Promise<void> {
    try {
      const st = await lstat(this.dir);
      if (!st.isDirectory()) throw new Error(`${this.dir} exists and is not a directory`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
    }
  }

  /** The current pair, or undefined when there is none or it cannot be read. */
  async current(): Promise<CertPair | undefined> {
    let text: string;
    try {
      text = await readFile(this.currentPath, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return parsePair(text, text);
    } catch {
      return undefined;
    }
  }

  /** Writes a new pair and points `-current` at it; returns it as loaded back. */
  async update(certPem: string, keyPem: string): Promise<CertPair> {
    const pair = parsePair(certPem, keyPem);
    await this.ensureDir();
    const file = join(this.dir, `${this.prefix}-${stamp(this.now())}.pem`);
    await writeAtomic(file, `${pair.certPem}${pair.keyPem}`, 0o600);
    await this.pointCurrentAt(file);
    return pair;
  }

  private async pointCurrentAt(file: string): Promise<void> {
    try {
      const st = await lstat(this.currentPath);
      // Something that is not our symlink is left alone, as the kubelet's store does.
      if (!st.isSymbolicLink()) throw new Error(`expected ${this.currentPath} to be a symlink but it is not`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const updated = join(this.dir, `${this.prefix}-updated.pem`);
    await rm(updated, { force: true });
    await symlink(file, updated);
    await rename(updated, this.currentPath);
  }
}

export interface KubeconfigTarget {
  server: string;
  /** PEM of the cluster CA, written inline as certificate-authority-data. */
  caPem?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
}

/**
 * The kubeconfig the kubelet writes after bootstrapping: cluster `default-cluster`, user
 * `default-auth` with client-certificate and client-key both the store's current file, context
 * `default-context` (namespace default). 0600, through a temporary file and a rename.
 */
export async function writeCertKubeconfig(path: string, target: KubeconfigTarget, pemPath: string): Promise<void> {
  const cluster: Record<string, unknown> = { server: target.server };
  if (target.caPem) cluster['certificate-authority-data'] = Buffer.from(target.caPem).toString('base64');
  if (target.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (target.tlsServerName) cluster['tls-server-name'] = target.tlsServerName;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
    'current-context': 'default-context',
    preferences: {},
    users: [{ name: 'default-auth', user: { 'client-certificate': pemPath, 'client-key': pemPath } }],
  };
  await mkdir(dirname(resolve(path)), { recursive: true, mode: 0o755 });
  await writeAtomic(resolve(path), stringify(doc), 0o600);
}
