/**
 * kubectl as the tests run it against the API-server emulator. The machines this project runs
 * on ship kubectl; in CI its absence is a setup error to see, not a reason to skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!HAVE_KUBECTL && process.env.CI) throw new Error('kubectl is not installed: the emulator and the node cannot be checked against it');

export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One kubectl call with its own discovery cache; killed after 20 s. */
export function kubectl(kubeconfig: string, cacheDir: string, args: string[]): Promise<KubectlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const KUBECTL_APPROVE = { reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' } as const;
export const KUBECTL_DENY = { reason: 'KubectlDeny', message: 'This CSR was denied by kubectl certificate deny.' } as const;

/**
 * `kubectl certificate approve|deny <name>` as the emulator can take it: kubectl sends that PUT
 * of the approval subresource in protobuf, which the emulator does not decode, so the same
 * request (the condition with kubectl's reason and message) goes through `kubectl replace --raw`
 * in JSON. `dir`: where the request body is written. Rejects when kubectl fails.
 */
export async function decideCsr(kubeconfig: string, cacheDir: string, dir: string, name: string, type: 'Approved' | 'Denied', why: { reason: string; message: string }): Promise<void> {
  const got = await kubectl(kubeconfig, cacheDir, ['get', 'csr', name, '-o', 'json']);
  if (got.code !== 0) throw new Error(`kubectl get csr ${name}: ${got.stderr}`);
  const csr = JSON.parse(got.stdout) as { status?: { conditions?: unknown[] } };
  csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), { type, status: 'True', ...why }] };
  const file = join(dir, `${name}-approval.json`);
  await writeFile(file, JSON.stringify(csr));
  const r = await kubectl(kubeconfig, cacheDir, ['replace', '--raw', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`, '-f', file]);
  if (r.code !== 0) throw new Error(`kubectl replace --raw .../${name}/approval: ${r.stderr}`);
}
