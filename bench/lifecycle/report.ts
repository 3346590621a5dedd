import { percentile } from '../stats.js';
import type { IdleSample } from './proc.js';

/** One repetition on one side, all in ms after t0. */
export interface Rep {
  firstMs: number;
  halfMs: number;
  allMs: number;
  /** staticlet: last 'Started' event logged; bare: last StartContainer returned. */
  startedMs: number;
  /** staticlet only: last 'pod added' logged (manifest read and accepted). */
  seenMs?: number;
  /** staticlet only: CPU time the supervisor process used from t0 to all running. */
  cpuMs?: number;
  /** CPU time containerd itself used from t0 to all running (shims and runc not included). */
  runtimeCpuMs: number;
  /** From the first manifest removed (staticlet) / first CRI stop (bare) to no sandbox left. */
  downMs?: number;
}

export interface Scenario {
  label: string;
  staticlet: Rep[];
  bare: Rep[];
}

export interface Report {
  machine: string;
  pollMs: number;
  targetRatio: number;
  scenarios: Scenario[];
  idle?: { pods: number; settleSeconds: number; sample: IdleSample; startRssKb: number; hwmKb: number };
  targetRssMb: number;
  targetCpuPct: number;
}

const num = (x: number, w: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-').padStart(w);
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
const p = (reps: Rep[], key: keyof Rep, q: number): number => percentile(reps.map((r) => r[key]).filter((x): x is number => x !== undefined), q);

export function format(r: Report): string {
  const out: string[] = [r.machine, ''];
  out.push(`Pod start latency in ms: manifest written (staticlet) / first CRI call (bare) -> every container CONTAINER_RUNNING`);
  out.push(`(same poller for both sides: ListContainers state=running every ${r.pollMs} ms; target ratio staticlet/bare <= ${r.targetRatio})`);
  out.push('');
  out.push(`${'scenario'.padEnd(24)}${'n'.padStart(4)}${'staticlet p50'.padStart(15)}${'p95'.padStart(9)}${'bare p50'.padStart(10)}${'p95'.padStart(9)}${'ratio p50'.padStart(11)}${'ratio p95'.padStart(18)}`);
  for (const s of r.scenarios) {
    const [a50, a95, b50, b95] = [p(s.staticlet, 'allMs', 50), p(s.staticlet, 'allMs', 95), p(s.bare, 'allMs', 50), p(s.bare, 'allMs', 95)];
    const [r50, r95] = [a50 / b50, a95 / b95];
    const n = Math.min(s.staticlet.length, s.bare.length);
    out.push(
      `${s.label.padEnd(24)}${String(n).padStart(4)}${num(a50, 15)}${num(a95, 9)}${num(b50, 10)}${num(b95, 9)}${num(r50, 7, 2)} ${verdict(r50 <= r.targetRatio).padEnd(6)}${num(r95, 7, 2)} ${verdict(r95 <= r.targetRatio)}`,
    );
  }
  for (const s of r.scenarios.filter((x) => x.staticlet.length <= 5)) {
    const list = (reps: Rep[]): string => reps.map((x) => x.allMs.toFixed(0)).join(', ');
    out.push(`  ${s.label} runs in order: staticlet ${list(s.staticlet)}; bare ${list(s.bare)}`);
  }
  out.push('', `Where the time goes: p50 in ms after t0 (CPU rows: CPU time in ms)`, '');
  out.push(`${''.padEnd(46)}${r.scenarios.map((s) => s.label.padStart(24)).join('')}`);
  const rows: Array<[string, 'staticlet' | 'bare', keyof Rep]> = [
    ["staticlet  last 'pod added' logged", 'staticlet', 'seenMs'],
    ["staticlet  last 'Started' event logged", 'staticlet', 'startedMs'],
    ['staticlet  first container running', 'staticlet', 'firstMs'],
    ['staticlet  half of the containers running', 'staticlet', 'halfMs'],
    ['staticlet  all containers running', 'staticlet', 'allMs'],
    ['staticlet  CPU time used by the supervisor', 'staticlet', 'cpuMs'],
    ['staticlet  CPU time used by containerd', 'staticlet', 'runtimeCpuMs'],
    ['bare       last StartContainer returned', 'bare', 'startedMs'],
    ['bare       first container running', 'bare', 'firstMs'],
    ['bare       half of the containers running', 'bare', 'halfMs'],
    ['bare       all containers running', 'bare', 'allMs'],
    ['bare       CPU time used by containerd', 'bare', 'runtimeCpuMs'],
  ];
  for (const [label, side, key] of rows) out.push(`${label.padEnd(46)}${r.scenarios.map((s) => num(p(s[side], key, 50), 24)).join('')}`);
  if (r.idle) {
    const { sample: s, pods, settleSeconds, startRssKb, hwmKb } = r.idle;
    const mb = (kb: number): number => (kb * 1024) / 1e6;
    out.push('', `Supervisor idle with ${pods} pods running: ${s.seconds} s window after ${settleSeconds} s settling (MB = 10^6 bytes)`, '');
    out.push(`CPU  ${num(s.cpuPct, 6, 2)} % of one core (busiest 1 s slice ${s.cpuMaxSlicePct.toFixed(1)} %)`.padEnd(76) + `target <= ${r.targetCpuPct} %   ${verdict(s.cpuPct <= r.targetCpuPct)}`);
    out.push(`RSS  ${num(mb(s.rssEndKb), 6)} MB at the end (${mb(s.rssMinKb).toFixed(1)} min, ${mb(s.rssMaxKb).toFixed(1)} max in the window)`.padEnd(76) + `target <= ${r.targetRssMb} MB  ${verdict(mb(s.rssMaxKb) <= r.targetRssMb)}`);
    out.push(`(RSS with no pods, 1 s after start: ${mb(startRssKb).toFixed(1)} MB; peak over the whole run, VmHWM: ${mb(hwmKb).toFixed(1)} MB)`);
  }
  return out.join('\n');
}
