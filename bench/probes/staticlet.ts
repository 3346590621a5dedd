import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { findBin } from '../lifecycle/staticlet.js';
import { checkAborted } from '../lifecycle/wait.js';
import { NODE } from './pods.js';

export interface StaticletDirs {
  manifests: string;
  root: string;
  logs: string;
}

/** One logged line that matters here: warnings and errors, and every pod event (it has a reason). */
export interface LogNote {
  at: number;
  level: number;
  msg: string;
  reason?: string;
  pod?: string;
}

/** The flags `staticlet run` gets in both phases; the in-process phase resolves the same ones. */
export function runFlags(endpoint: string, dirs: StaticletDirs): string[] {
  return [
    'run', '--pod-manifest-path', dirs.manifests, '--container-runtime-endpoint', endpoint, '--root-dir', dirs.root,
    '--pod-logs-dir', dirs.logs, '--hostname-override', NODE, '--node-ip', '127.0.0.1',
    // 130 pods exceed the kubelet's default of 110; staticlet does not enforce it yet.
    '--max-pods', '200',
    '--logging-format', 'json', '--v', '0',
  ];
}

/**
 * `staticlet run` as a child process, so /proc shows its own CPU and memory and none of the
 * benchmark's. JSON logs at --v 0 go through a pipe that is always drained.
 */
export class StaticletChild {
  readonly child: ChildProcess;
  readonly notes: LogNote[] = [];
  private readonly tail: string[] = [];
  private ready = false;
  private readonly exited: Promise<number | null>;

  constructor(endpoint: string, dirs: StaticletDirs, opts: { logCopy?: string; nodeArgs?: string[] } = {}) {
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), findBin(), ...runFlags(endpoint, dirs)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const logCopy = opts.logCopy;
    if (logCopy) this.child.stderr!.pipe(createWriteStream(logCopy));
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

  lastLines(): string {
    return this.tail.join('\n');
  }

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
    const note = noteOf(line);
    if (note) this.notes.push(note);
  }
}

/** A JSON log line as a note when it is a warning, an error or a pod event; undefined otherwise. */
export function noteOf(line: string): LogNote | undefined {
  let l: { msg?: unknown; time?: unknown; level?: unknown; reason?: unknown; pod?: unknown };
  try {
    l = JSON.parse(line) as typeof l;
  } catch {
    return undefined;
  }
  const level = typeof l.level === 'number' ? l.level : 30;
  if (level < 40 && typeof l.reason !== 'string') return undefined;
  return {
    at: typeof l.time === 'string' ? Date.parse(l.time) : Date.now(),
    level,
    msg: String(l.msg ?? ''),
    ...(typeof l.reason === 'string' ? { reason: l.reason } : {}),
    ...(typeof l.pod === 'string' ? { pod: l.pod } : {}),
  };
}

/** Notes in [from, to) as "reason xN" / "msg xN", most frequent first; warnings and errors only unless `all`. */
export function summarizeNotes(notes: readonly LogNote[], from: number, to: number, all = false): string[] {
  const counts = new Map<string, number>();
  for (const n of notes) {
    if (n.at < from || n.at >= to) continue;
    if (!all && n.level < 40) continue;
    const key = `${n.level >= 50 ? 'error' : n.level >= 40 ? 'warn' : 'info'} ${n.reason ?? n.msg}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} x${v}`);
}
