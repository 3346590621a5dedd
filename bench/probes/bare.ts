import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { POD_NAMESPACE_LABEL, type CriClient } from '../../src/runtime/index.js';
import { checkAborted } from '../lifecycle/wait.js';
import { kindOf, NAMESPACE, type PodKind, type PodMix } from './pods.js';
import { countKey } from './report.js';

/** What bare-prober.js probes: its argv[2], as JSON. */
export interface BareTargets {
  webIPs: string[];
  execContainerIds: string[];
  webPeriodSeconds: number;
  execPeriodSeconds: number;
  /** containerd's unix socket path. */
  socket: string;
}

export type ProbeName = `${PodKind} ${'Liveness' | 'Readiness'}`;

/** bare-prober.js's last line: attempts per probe over `seconds`, from scheduling to exit. */
export interface BareCounts {
  seconds: number;
  counts: Partial<Record<ProbeName, { successful: number; failed: number }>>;
}

const SCRIPT = fileURLToPath(new URL('./bare-prober.js', import.meta.url));

/**
 * The benchmark's running pods as the runtime lists them (no supervisor is needed): web pod IPs
 * and exec container IDs. Every pod must be there, or the floor would be too low.
 */
export async function bareTargets(cri: CriClient, mix: PodMix, socket: string): Promise<BareTargets> {
  const labelSelector = { [POD_NAMESPACE_LABEL]: NAMESPACE };
  const sandboxes = await cri.listPodSandboxes({ labelSelector, state: 'ready' });
  const ofKind = (kind: PodKind): string[] => sandboxes.filter((s) => kindOf(s.metadata.name) === kind).map((s) => s.id);
  const webIPs = (await Promise.all(ofKind('web').map(async (id) => (await cri.podSandboxStatus(id)).ip))).filter(Boolean);
  const execSandboxes = new Set(ofKind('exec'));
  const containers = await cri.listContainers({ labelSelector, state: 'running' });
  const execContainerIds = containers.filter((c) => execSandboxes.has(c.podSandboxId)).map((c) => c.id);
  if (webIPs.length !== mix.web || execContainerIds.length !== mix.exec) {
    throw new Error(`bare prober targets: ${webIPs.length}/${mix.web} web pod IPs, ${execContainerIds.length}/${mix.exec} running exec containers`);
  }
  return { webIPs, execContainerIds, webPeriodSeconds: mix.webPeriodSeconds, execPeriodSeconds: mix.execPeriodSeconds, socket };
}

/** Counts keyed by countKey(), as the report reads phase B's. */
export function countMap(c: BareCounts): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, tally] of Object.entries(c.counts)) {
    const [kind, probeType] = name.split(' ') as [PodKind, string];
    out.set(countKey(kind, probeType, 'successful'), tally.successful);
    out.set(countKey(kind, probeType, 'failed'), tally.failed);
  }
  return out;
}

/** bare-prober.js as a child process, so /proc shows its CPU and memory alone. */
export class BareProber {
  private readonly lines: string[] = [];
  private readonly exited: Promise<void>;
  private spawnError: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      this.lines.push(...parts);
    });
    child.once('error', (err) => (this.spawnError = err));
    this.exited = new Promise((r) => child.once('close', () => r()));
  }

  /** Spawns it and waits for `ready`; a prober that never gets there is killed. */
  static async start(targetsFile: string, nodeArgs: string[] = [], timeoutMs = 30_000): Promise<BareProber> {
    // stdin stays open: its end tells the prober the benchmark is gone (see bare-prober.ts).
    const p = new BareProber(spawn(process.execPath, [...nodeArgs, SCRIPT, targetsFile], { stdio: ['pipe', 'pipe', 'inherit'] }));
    try {
      await p.waitReady(timeoutMs);
    } catch (err) {
      p.kill();
      throw err;
    }
    return p;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes('ready')) {
      checkAborted();
      if (this.spawnError) throw this.spawnError;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`bare prober exited with ${this.child.exitCode ?? this.child.signalCode} before it was ready`);
      if (Date.now() > deadline) throw new Error(`bare prober not ready within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** SIGTERM, then its counts line; SIGKILL (and an error) if it does not answer in time. */
  async stop(timeoutMs = 10_000): Promise<BareCounts> {
    if (this.alive) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    const last = this.lines.at(-1) ?? '';
    if (!last.startsWith('{')) throw new Error(`bare prober exited with ${this.child.exitCode ?? this.child.signalCode} without its counts`);
    return JSON.parse(last) as BareCounts;
  }

  /** For cleanup paths: gone at once, counts or not. */
  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}
