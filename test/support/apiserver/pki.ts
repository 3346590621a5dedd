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
  /**
   * Signs a request for an exact validity window (seconds, not days: `openssl ca`, which takes
   * start and end dates) with the given key usages and extended key usages (openssl names).
   */
  signWindow(csrPem: string, o: { notBefore: number; notAfter: number; keyUsage: string[]; extKeyUsage: string[]; subjectAltNames?: string[] }): Promise<string>;
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

  // `openssl ca` keeps a database and a serial file; one signing at a time.
  await writeFile(join(dir, 'ca-index.txt'), '');
  await writeFile(join(dir, 'ca-serial'), '1000\n');
  await writeFile(
    join(dir, 'ca.cnf'),
    ['[ ca ]', 'default_ca = emulator', '[ emulator ]', `database = ${join(dir, 'ca-index.txt')}`, `serial = ${join(dir, 'ca-serial')}`, `new_certs_dir = ${dir}`,
      'default_md = sha256', 'policy = any', 'unique_subject = no', 'email_in_dn = no', '[ any ]', 'organizationName = optional', 'commonName = supplied', ''].join('\n'),
  );
  let caQueue: Promise<unknown> = Promise.resolve();
  const asn1Time = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');

  const server = await issue('apiserver', '/CN=kube-apiserver', extensions({ serverAuth: true, dnsNames: serverNames.dns, ips: serverNames.ips }), 2);
  let clients = 0;
  return {
    caFile,
    caPem: await readFile(caFile, 'utf8'),
    server,
    issueClient: (user, groups = [], days = 2) => issue(`client-${++clients}`, subject(user, groups), extensions({ clientAuth: true }), days),
    signWindow(csrPem, o) {
      const run = async () => {
        const n = ++clients;
        const csrFile = join(dir, `window-${n}.csr`);
        const certFile = join(dir, `window-${n}.crt`);
        const extFile = `${certFile}.ext`;
        await writeFile(csrFile, csrPem);
        const ext = [
          'basicConstraints=critical,CA:FALSE',
          o.keyUsage.length ? `keyUsage=critical,${o.keyUsage.join(',')}` : '',
          o.extKeyUsage.length ? `extendedKeyUsage=${o.extKeyUsage.join(',')}` : '',
          // openssl ca drops the request's extensions (no copy_extensions): the signer copies the SANs, as upstream's does.
          o.subjectAltNames?.length ? `subjectAltName=${o.subjectAltNames.join(',')}` : '',
        ];
        await writeFile(extFile, ext.filter(Boolean).join('\n') + '\n');
        await openssl([
          'ca', '-batch', '-config', join(dir, 'ca.cnf'), '-cert', caFile, '-keyfile', caKey, '-in', csrFile, '-out', certFile, '-notext', '-preserveDN',
          '-startdate', asn1Time(o.notBefore), '-enddate', asn1Time(o.notAfter), '-extfile', extFile,
        ]);
        return readFile(certFile, 'utf8');
      };
      const next = caQueue.then(run, run);
      caQueue = next.catch(() => undefined);
      return next;
    },
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
