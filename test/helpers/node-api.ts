/**
 * Helpers for node API tests: a CA and client certificates made with the `openssl` command (as
 * an operator would make them), requests with `curl` (as an operator would send them), and a
 * free port.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  crt: string;
  key: string;
  /** A client certificate signed by this CA (CN = user, O = groups, clientAuth). */
  client(user: string, groups?: string[]): Promise<{ crt: string; key: string }>;
}

export async function makeCa(dir: string, name: string): Promise<TestCa> {
  const key = join(dir, `${name}-ca.key`);
  const crt = join(dir, `${name}-ca.crt`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}-ca`]);
  let n = 0;
  return {
    crt,
    key,
    async client(user, groups = []) {
      const base = join(dir, `${name}-client-${n++}`);
      const ext = `${base}.ext`;
      const subj = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
      await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subj]);
      await run('sh', ['-c', `printf 'extendedKeyUsage=clientAuth\\nkeyUsage=digitalSignature\\n' > '${ext}'`]);
      await run('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', crt, '-CAkey', key, '-CAcreateserial', '-out', `${base}.crt`, '-days', '1', '-extfile', ext]);
      return { crt: `${base}.crt`, key: `${base}.key` };
    },
  };
}

export interface CurlResult {
  /** 0 when curl could not connect (exitCode says why). */
  status: number;
  headers: Record<string, string>;
  body: string;
  exitCode: number;
  stderr: string;
}

/** One request with curl; `args` go before the URL (e.g. --cert, -X POST, --path-as-is). */
export function curl(url: string, args: string[] = [], timeoutMs = 10_000): Promise<CurlResult> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['-sS', '-k', '-D', '-', '--max-time', String(Math.ceil(timeoutMs / 1000)), ...args, url]);
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? '' : text.slice(0, split);
      const lines = head.split('\r\n');
      const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status, headers, body: split < 0 ? text : text.slice(split + 4), exitCode: code ?? -1, stderr });
    });
  });
}

/** A port nothing listens on right now (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
