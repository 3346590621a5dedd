import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAborted } from './wait.js';
import { NODE } from './pods.js';

/** The CLI as users run it: found by walking up from this module (dist/bench/...). */
export function findBin(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const bin = join(dir, 'bin/staticlet.js');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) throw new Error('cannot find bin/staticlet.js above the benchmark');
  }
}

/** The log lines the stage breakdown needs; everything else is drained and dropped. */
export interface LogMark {
  at: number;
  /** 'pod added' or an event reason (Pulled, Created, Started). */
  what: string;
  /** namespace/name */
  pod: string;
}

const MARKS = new Set(['Pulled', 'Created', 'Started']);

export interface StaticletDirs {
  manifests: string;
  root: string;
  logs: string;
}

/**
 * `staticlet run` as a child process, so /proc shows its own CPU and memory and none of the
 * benchmark's. JSON logs at --v 0 go through a pipe that is always drained: realistic logging
 * cost, never back-pressure.
 */
export class StaticletProcess {
  readonly child: ChildProcess;
  readonly marks: LogMark[] = [];
  private readonly tail: string[] = [];
  private ready = false;
  private readonly exited: Promise<number | null>;

  constructor(endpoint: string, dirs: StaticletDirs) {
    const args = [
      'run', '--pod-manifest-path', dirs.manifests, '--container-runtime-endpoint', endpoint, '--root-dir', dirs.root,
      '--pod-logs-dir', dirs.logs, '--hostname-override', NODE, '--node-ip', '127.0.0.1', '--logging-format', 'json', '--v', '0',
    ];
    this.child = spawn(process.execPath, [findBin(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    // For digging into an anomaly: the full log, as staticlet wrote it.
    const copy = process.env.LIFECYCLE_STATICLET_LOG ? createWriteStream(process.env.LIFECYCLE_STATICLET_LOG) : undefined;
    if (copy) this.child.stderr!.pipe(copy);
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

  /** Last log lines, for error reports. */
  lastLines(): string {
    return this.tail.join('\n');
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ready) {
      checkAborted();
      if (this.child.exitCode !== null) throw new Error(`staticlet exited with ${this.child.exitCode}:\n${this.lastLines()}`);
      if (Date.now() > deadline) throw new Error(`staticlet not ready within ${timeoutMs} ms:\n${this.lastLines()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (static pods stay running), SIGKILL if it does not exit in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 30) this.tail.shift();
    let l: { msg?: unknown; time?: unknown; pod?: unknown; reason?: unknown; level?: unknown };
    try {
      l = JSON.parse(line) as typeof l;
    } catch {
      return;
    }
    if (l.msg === 'pod manager started') this.ready = true;
    const what = l.msg === 'pod added' ? 'pod added' : typeof l.reason === 'string' && MARKS.has(l.reason) ? l.reason : undefined;
    if (what && typeof l.pod === 'string' && typeof l.time === 'string') this.marks.push({ at: Date.parse(l.time), what, pod: l.pod });
  }
}

/** Latest mark of a kind for pods of a namespace, in ms after `t0Epoch`; NaN if none. */
export function lastMark(marks: readonly LogMark[], namespace: string, what: string, t0Epoch: number): number {
  let last = NaN;
  for (const m of marks) if (m.what === what && m.pod.startsWith(`${namespace}/`) && (Number.isNaN(last) || m.at > last)) last = m.at;
  return last - t0Epoch;
}
