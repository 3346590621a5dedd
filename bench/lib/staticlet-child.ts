import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAborted } from '../lifecycle/wait.js';
import { serviceEnvironment, serviceNodeFlags } from './node-flags.js';

/** The CLI as users run it: found by walking up from this module (dist/bench/...). */
export function findBin(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const bin = join(dir, 'bin/staticlet.js');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) throw new Error('cannot find bin/staticlet.js above the benchmark');
  }
}

export interface ChildOptions {
  /** Copy of the full log, for digging into an anomaly. */
  logCopy?: string;
  /** Node flags before the script (e.g. --cpu-prof); default: the systemd unit's. */
  nodeArgs?: string[];
  /** Every log line, for the benchmark's own bookkeeping. */
  onLine?(line: string): void;
}

/**
 * `staticlet run` as a child process, so /proc shows its own CPU and memory and none of the
 * benchmark's. JSON logs go through a pipe that is always drained: realistic logging cost,
 * never back-pressure.
 */
export class StaticletChild {
  readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private ready = false;
  private readonly exited: Promise<number | null>;

  constructor(runArgs: string[], private readonly opts: ChildOptions = {}) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? serviceNodeFlags()), findBin(), ...runArgs], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...serviceEnvironment() } });
    if (opts.logCopy) this.child.stderr!.pipe(createWriteStream(opts.logCopy));
    let buf = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        this.onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    this.exited = new Promise((r) => this.child.on('close', r));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Last log lines, for error reports. */
  lastLines(): string {
    return this.tail.join('\n');
  }

  /** Until the pod manager runs (the runtime answered and the manifests were read). */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      checkAborted();
      if (!this.alive) throw new Error(`staticlet exited with ${this.child.exitCode ?? this.child.signalCode}:\n${this.lastLines()}`);
      if (Date.now() > deadline) throw new Error(`staticlet not ready within ${timeoutMs} ms:\n${this.lastLines()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (static pods stay running), SIGKILL if it does not exit in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 30) this.tail.shift();
    if (line.includes('"pod manager started"')) this.ready = true;
    this.opts.onLine?.(line);
  }
}
