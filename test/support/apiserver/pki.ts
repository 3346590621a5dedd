// A certificate authority made for one emulator run with the openssl command line: node:crypto
// can make keys but cannot issue X.509 certificates, and the CLI keeps the fixture free of a
// dependency. EC P-256 keys keep each issue to a few milliseconds.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface IssuedCert {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

export interface Pki {
  caFile: string;
  caPem: string;
  server: IssuedCert;
  /** A client certificate as the API server's x509 authenticator reads it: CN = user, one O per group. */
  issueClient(user: string, groups?: string[], days?: number): Promise<IssuedCert>;
  /** Signs a PEM certificate request with the CA, keeping the request's subject (what a CSR signer does). */
  signRequest(csrPem: string, usages: { clientAuth?: boolean; serverAuth?: boolean; dnsNames?: string[]; ips?: string[] }, days?: number): Promise<string>;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 20_000 });
}

/** `-subj` syntax: `/` separates attributes, so it and `\` are escaped inside values. */
function subject(cn: string, orgs: string[]): string {
  const esc = (v: string) => v.replace(/[\\/]/g, (c) => `\\${c}`);
  return [...orgs.map((o) => `/O=${esc(o)}`), `/CN=${esc(cn)}`].join('');
}

export async function createPki(dir: string, serverNames: { dns: string[]; ips: string[] }): Promise<Pki> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=staticlet-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  let serial = 0;

  async function sign(csrFile: string, certFile: string, ext: string, days: number): Promise<void> {
    const extFile = `${certFile}.ext`;
    await writeFile(extFile, ext);
    serial += 1;
    await openssl([
      'x509', '-req', '-in', csrFile, '-CA', caFile, '-CAkey', caKey, '-out', certFile, '-days', String(days),
      '-set_serial', `0x${randomBytes(8).toString('hex')}${serial.toString(16).padStart(4, '0')}`, '-extfile', extFile,
    ]);
  }

  function extensions(u: { clientAuth?: boolean; serverAuth?: boolean; dnsNames?: string[]; ips?: string[] }): string {
    const eku = [u.serverAuth ? 'serverAuth' : '', u.clientAuth ? 'clientAuth' : ''].filter(Boolean).join(',');
    const san = [...(u.dnsNames ?? []).map((d) => `DNS:${d}`), ...(u.ips ?? []).map((i) => `IP:${i}`)].join(',');
    return [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      eku ? `extendedKeyUsage=${eku}` : '',
      san ? `subjectAltName=${san}` : '',
    ].filter(Boolean).join('\n') + '\n';
  }

  async function issue(name: string, subj: string, ext: string, days: number): Promise<IssuedCert> {
    const keyFile = join(dir, `${name}.key`);
    const csrFile = join(dir, `${name}.csr`);
    const certFile = join(dir, `${name}.crt`);
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', subj]);
    await sign(csrFile, certFile, ext, days);
    return { certFile, keyFile, certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  }

  const server = await issue('apiserver', '/CN=kube-apiserver', extensions({ serverAuth: true, dnsNames: serverNames.dns, ips: serverNames.ips }), 2);
  let clients = 0;
  return {
    caFile,
    caPem: await readFile(caFile, 'utf8'),
    server,
    issueClient: (user, groups = [], days = 2) => issue(`client-${++clients}`, subject(user, groups), extensions({ clientAuth: true }), days),
    async signRequest(csrPem, usages, days = 2) {
      const n = ++clients;
      const csrFile = join(dir, `signed-${n}.csr`);
      const certFile = join(dir, `signed-${n}.crt`);
      await writeFile(csrFile, csrPem);
      await sign(csrFile, certFile, extensions(usages), days);
      return readFile(certFile, 'utf8');
    },
  };
}
