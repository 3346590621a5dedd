/**
 * kubectl as the tests run it against the API-server emulator. The machines this project runs
 * on ship kubectl; in CI its absence is a setup error to see, not a reason to skip.
 */
import { spawn, spawnSync } from 'node:child_process';

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
