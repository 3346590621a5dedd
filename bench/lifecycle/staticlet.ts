import { StaticletChild } from '../lib/staticlet-child.js';
import { NODE } from './pods.js';

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
export class StaticletProcess extends StaticletChild {
  readonly marks: LogMark[] = [];

  constructor(endpoint: string, dirs: StaticletDirs) {
    const args = [
      'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', dirs.manifests, '--container-runtime-endpoint', endpoint, '--root-dir', dirs.root,
      '--pod-logs-dir', dirs.logs, '--container-log-links-dir', `${dirs.logs}-links`, '--hostname-override', NODE, '--node-ip', '127.0.0.1', '--logging-format', 'json', '--v', '0',
    ];
    const logCopy = process.env.LIFECYCLE_STATICLET_LOG;
    super(args, { ...(logCopy ? { logCopy } : {}), onLine: (line) => this.mark(line) });
  }

  private mark(line: string): void {
    let l: { msg?: unknown; time?: unknown; pod?: unknown; reason?: unknown };
    try {
      l = JSON.parse(line) as typeof l;
    } catch {
      return;
    }
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
