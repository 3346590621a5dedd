import { StaticletChild } from '../lib/staticlet-child.js';
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
    'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', dirs.manifests, '--container-runtime-endpoint', endpoint, '--root-dir', dirs.root,
    '--pod-logs-dir', dirs.logs, '--container-log-links-dir', `${dirs.logs}-links`, '--hostname-override', NODE, '--node-ip', '127.0.0.1',
    // 130 pods exceed the kubelet's default of 110; staticlet does not enforce it yet.
    '--max-pods', '200',
    '--logging-format', 'json', '--v', '0',
  ];
}

/** The child with the warnings, errors and pod events it logged. */
export class ProbedStaticlet extends StaticletChild {
  readonly notes: LogNote[] = [];

  constructor(endpoint: string, dirs: StaticletDirs, opts: { logCopy?: string; nodeArgs?: string[] } = {}) {
    super(runFlags(endpoint, dirs), {
      ...opts,
      onLine: (line) => {
        const note = noteOf(line);
        if (note) this.notes.push(note);
      },
    });
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
