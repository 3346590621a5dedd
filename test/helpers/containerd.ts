/**
 * A private containerd per test file, driven through scripts/containerd/env.sh.
 *
 *   const env = await startContainerd({ registry: true });
 *   ... new CriClient({ endpoint: env.endpoint }) ...
 *   await env.down();   // removes every pod via CRI, stops everything, throws on leftovers
 *
 * Start-up failures throw (never skip): in CI a missing containerd is a setup bug to see.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CriClient } from '../../src/runtime/index.js';

export interface ContainerdEnv {
  dir: string;
  /** Socket path. */
  socket: string;
  /** `unix://` endpoint for CriClient / --container-runtime-endpoint. */
  endpoint: string;
  busyboxImage: string;
  pauseImage: string;
  /** host:port of the local registry (only with `registry: true`). */
  registry: string | undefined;
  /** SIGKILL containerd, leaving shims and containers running. */
  kill(): Promise<void>;
  /** Start containerd again on the same state. */
  start(): Promise<void>;
  /** Stop and remove every sandbox through CRI, as a clean shutdown would. */
  removeAllPods(): Promise<void>;
  /** Full teardown; rejects listing leftovers (processes, mounts, netns, bridge) if any. */
  down(): Promise<void>;
}

function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts/containerd/env.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('cannot find scripts/containerd/env.sh');
  }
}

export const ENV_SH = join(packageRoot(), 'scripts/containerd/env.sh');

function run(args: string[], timeoutMs = 180_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('bash', [ENV_SH, ...args], { timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const tail = stderr.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`env.sh ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${tail}`));
      } else resolve({ stdout, stderr });
    });
  });
}

function readEnvFile(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(dir, 'env'), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export interface StartOptions {
  registry?: boolean;
}

export async function startContainerd(opts: StartOptions = {}): Promise<ContainerdEnv> {
  // Short prefix: unix socket paths are limited to 107 bytes.
  const dir = await mkdtemp(join(tmpdir(), 'stl-'));
  try {
    await run(['up', dir, ...(opts.registry ? ['--registry'] : [])]);
  } catch (err) {
    await run(['down', dir]).catch(() => undefined);
    throw new Error(`cannot start the containerd test environment in ${dir}: ${(err as Error).message}`);
  }
  const vars = readEnvFile(dir);
  const socket = vars.CONTAINERD_SOCK ?? join(dir, 'containerd.sock');
  const env: ContainerdEnv = {
    dir,
    socket,
    endpoint: `unix://${socket}`,
    busyboxImage: vars.BUSYBOX_IMAGE ?? 'staticlet.local/busybox:1.36',
    pauseImage: vars.PAUSE_IMAGE ?? 'staticlet.local/pause:3.10',
    registry: vars.REGISTRY,
    kill: async () => void (await run(['kill', dir])),
    start: async () => void (await run(['start', dir])),
    removeAllPods: () => removeAllPods(`unix://${socket}`),
    down: async () => {
      let podErr: unknown;
      try {
        await removeAllPods(`unix://${socket}`);
      } catch (err) {
        podErr = err;
      }
      await run(['down', dir]);
      await rm(dir, { recursive: true, force: true });
      if (podErr) throw new Error(`removing pods through CRI failed: ${(podErr as Error).message}`);
    },
  };
  return env;
}

async function removeAllPods(endpoint: string): Promise<void> {
  const client = new CriClient({ endpoint, shortTimeoutMs: 5_000, runtimeRequestTimeoutMs: 30_000 });
  try {
    for (const c of await client.listContainers()) {
      await client.stopContainer(c.id, 0);
      await client.removeContainer(c.id);
    }
    for (const s of await client.listPodSandboxes()) {
      await client.stopPodSandbox(s.id);
      await client.removePodSandbox(s.id);
    }
  } finally {
    client.close();
  }
}
