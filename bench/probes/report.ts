import { percentile } from '../stats.js';
import type { ExecCall } from './inproc.js';
import type { Convergence, PodKind, PodMix } from './pods.js';
import type { WindowResult } from './window.js';

export const TARGET_CPU_PCT = 5;
export const TARGET_LATENESS_P99_MS = 50;

export interface PhaseReport {
  label: string;
  settleSeconds: number;
  /** ms from the phase's start (manifests written / supervisor started) to all pods Ready. */
  convergedMs: number;
  window: WindowResult;
  /** Pod state right after the window, and restarts that happened during it. */
  after: Convergence;
  restartsInWindow: number;
  /** Warnings and errors logged during the window ("warn Unhealthy x3"). */
  warnings: string[];
}

export interface InProcessExtras {
  lateness: number[];
  /** Largest lateness seen in each second of the window. */
  latenessMaxPerSecond: number[];
  /** prober_probe_total delta over the window, keyed by countKey(). */
  probeCounts: Map<string, number>;
  /** ExecSync calls that started in the window. */
  execCalls: ExecCall[];
}

/** Phase C: the bare prober (bare-prober.ts) as a child process; no supervisor runs. */
export interface BareReport {
  label: string;
  settleSeconds: number;
  window: WindowResult;
  /** Its attempts per countKey() over its life (`countSeconds`: settle and window). */
  counts: Map<string, number>;
  countSeconds: number;
  targets: { web: number; exec: number };
  /** Benchmark containers the runtime listed as running right after the window. */
  runningAtEnd: number;
}

export interface Report {
  machine: string;
  mix: PodMix;
  subnet: string;
  /** Phase B ran under the V8 CPU profiler (its CPU figure is inflated). */
  profiled: boolean;
  /** Node flags of phase A's child and phase C's prober, and of this process (phase B). */
  nodeFlags: { child: string[]; inProcess: string[]; service: string[] };
  phaseA?: PhaseReport;
  phaseB?: PhaseReport & InProcessExtras;
  phaseC?: BareReport;
}

/** What every phase has: one sampled window. */
type Sampled = Pick<PhaseReport, 'window' | 'settleSeconds'>;

const mb = (kb: number): string => ((kb * 1024) / 1e6).toFixed(1);
const f = (x: number, d = 1): string => {
  if (!Number.isFinite(x)) return '-';
  const s = x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s; // no "-0.0" for a tiny negative sample
};
const flags = (list: string[]): string => (list.length ? list.join(' ') : '(none)');
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

export function countKey(kind: PodKind, probeType: string, result: string): string {
  return `${kind} ${probeType} ${result}`;
}

export function format(r: Report): string {
  const { phaseA: a, phaseB: b, phaseC: c, mix } = r;
  const out: string[] = [r.machine, ''];
  const total = mix.web + mix.exec;
  out.push(
    `Pods: ${mix.web} web (busybox httpd; readiness httpGet :8080/, liveness tcpSocket :8080, period ${mix.webPeriodSeconds} s)`,
    `    + ${mix.exec} exec (sleep; liveness exec [cat /etc/hostname], readiness exec [true], period ${mix.execPeriodSeconds} s)`,
    `    = ${total} pods on the pod network ${r.subnet}, probed from the node.`,
    `Phase A: \`staticlet run\` as a child process; CPU and RSS from /proc/<pid>. No lateness (no endpoint exposes it).`,
    `Node flags: phases A and C ${flags(r.nodeFlags.child)}, phase B ${flags(r.nodeFlags.inProcess)} (systemd/staticlet.service uses ${flags(r.nodeFlags.service)}).`,
    `Phase B: the same Supervisor in the benchmark process, adopting the same running pods; lateness from`,
    `         ProberManager.lateness (probe timer callback start vs due, both from Date.now()). Its CPU includes the`,
    `         harness, which only awaits a 1 s timer that reads /proc and drains the lateness buffer.`,
    ...(r.profiled ? ['         This run profiled phase B with the V8 CPU profiler: its CPU figure includes the profiler.'] : []),
    `Phase C: no supervisor; a bare prober child process (bench/probes/bare-prober.ts) makes the same probe traffic`,
    `         (TCP connects, GETs, ExecSync over bare grpc-js) on the same schedule: the floor for staticlet's CPU.`,
    `         Its figures are in the "supervisor" rows.`,
    '',
  );
  const pick = <P>(p: P | undefined, get: (p: P) => string): string => (p ? get(p) : '-');
  /** The same figure from every phase that sampled a window. */
  const each = (get: (p: Sampled) => string): Cells => [pick(a, get), pick(b, get), pick(c, get)];
  const rows: Array<[string, Cells, string, string]> = [];
  const row = (label: string, cells: Cells, target = '', v = ''): void => void rows.push([label, cells, target, v]);
  row('all pods Ready after (s)', [pick(a, (p) => f(p.convergedMs / 1000)), pick(b, (p) => f(p.convergedMs / 1000)), '-']);
  row('window (s), after settling (s)', each((p) => `${f(p.window.wallMs / 1000, 0)}, ${p.settleSeconds}`));
  const cpuOk = a ? a.window.supCpuPct < TARGET_CPU_PCT : b ? b.window.supCpuPct < TARGET_CPU_PCT : false;
  row('supervisor CPU, % of one core', each((p) => f(p.window.supCpuPct, 2)), `< ${TARGET_CPU_PCT} %`, verdict(cpuOk) + (a ? ' (A)' : ' (B)'));
  row('  busiest 1 s slice, %', each((p) => f(p.window.supMaxSlicePct)));
  row('  user / kernel', each((p) => `${f(p.window.supUserPct)} / ${f(p.window.supSysPct)}`));
  row('  main thread / other threads', each((p) => mainText(p.window)));
  row('  main thread waiting for a CPU, % of wall', each((p) => f(p.window.rqWaitPct)));
  row('  harness sampling work, % of one core', ['(other process)', pick(b, (p) => f((p.window.samplerMs / p.window.wallMs) * 100, 3)), '(other process)']);
  const ratio = (p: Sampled): string => (c ? f(p.window.supCpuPct / c.window.supCpuPct, 2) : '-');
  row('staticlet / bare CPU', [pick(a, ratio), pick(b, ratio), '-']);
  row('supervisor RSS, MB at window end', each((p) => mb(p.window.rssEndKb)));
  row('  min - max in the window', each((p) => `${mb(p.window.rssMinKb)} - ${mb(p.window.rssMaxKb)}`));
  row('  peak over the process life (VmHWM)', each((p) => mb(p.window.hwmKb)));
  if (b) {
    const l = b.lateness;
    const over = l.filter((x) => x > TARGET_LATENESS_P99_MS).length;
    row('probe lateness p50, ms', ['-', f(percentile(l, 50)), '-']);
    row('probe lateness p99, ms', ['-', f(percentile(l, 99)), '-'], `< ${TARGET_LATENESS_P99_MS} ms`, verdict(percentile(l, 99) < TARGET_LATENESS_P99_MS));
    row('  p99.9 / max, ms', ['-', `${f(percentile(l, 99.9))} / ${f(Math.max(...l))}`, '-']);
    row(`  samples (per s) / over ${TARGET_LATENESS_P99_MS} ms / below 0`, ['-', `${l.length} (${f(l.length / (b.window.wallMs / 1000), 0)}) / ${over} / ${l.filter((x) => x < 0).length}`, '-']);
    const le = (lo: number, hi: number): string => `${((l.filter((x) => x > lo && x <= hi).length / l.length) * 100).toFixed(1)}`;
    row('  % in <=2 | 2-10 | 10-50 | >50 ms', ['-', `${le(-Infinity, 2)} | ${le(2, 10)} | ${le(10, 50)} | ${le(50, Infinity)}`, '-']);
  } else {
    row('probe lateness p99, ms', ['-', '-', '-'], `< ${TARGET_LATENESS_P99_MS} ms`, 'not measured');
  }
  const expectedExecPerS = (mix.exec * 2) / mix.execPeriodSeconds;
  row('ExecSync calls/s', [`(${f(expectedExecPerS, 1)} by design)`, pick(b, (p) => f(p.execCalls.length / (p.window.wallMs / 1000), 2)), '-']);
  row('  latency p50 / p99 / max, ms', ['-', pick(b, (p) => latencyText(p.execCalls)), '-']);
  row('  non-zero exits / failed calls', ['-', pick(b, (p) => `${p.execCalls.filter((x) => x.outcome === 'exit').length} / ${p.execCalls.filter((x) => x.outcome === 'error').length}`), '-']);
  row('containerd CPU, % of one core', each((p) => f(p.window.containerdCpuPct, 2)));
  row('  busiest 1 s slice, %', each((p) => f(p.window.containerdMaxSlicePct)));
  row('shim CPU incl. runc exec, %: exec pods', each((p) => shimText(p.window, 'exec')));
  row('                              web pods', each((p) => shimText(p.window, 'web')));
  row('machine busy, % of all cores', each((p) => f(p.window.machineBusyPct)));
  row('  of which other processes', each((p) => f(p.window.otherCoresPct)));
  row('load average (1 min) start -> end', each((p) => `${f(p.window.load1Start, 2)} -> ${f(p.window.load1End, 2)}`));
  row('container restarts in window', [pick(a, (p) => String(p.restartsInWindow)), pick(b, (p) => String(p.restartsInWindow)), '-'], '0', verdict((a?.restartsInWindow ?? 0) + (b?.restartsInWindow ?? 0) === 0));
  row('pods Ready at window end', [pick(a, (p) => `${p.after.ready}/${total}`), pick(b, (p) => `${p.after.ready}/${total}`), '-'], `${total}`, verdict([a, b].every((p) => !p || p.after.ready === total)));
  const w = [42, 18, 26, 18, 12];
  out.push(`${'figure'.padEnd(w[0]!)}${'A: child'.padStart(w[1]!)}${'B: in-process'.padStart(w[2]!)}${'C: bare'.padStart(w[3]!)}  ${'target'.padEnd(w[4]!)}verdict`);
  for (const [label, [va, vb, vc], target, v] of rows) {
    out.push(`${label.padEnd(w[0]!)}${va.padStart(w[1]!)}${vb.padStart(w[2]!)}${vc.padStart(w[3]!)}  ${target.padEnd(w[4]!)}${v}`);
  }
  if (b && b.lateness.some((x) => x < 0)) {
    out.push(
      '',
      'Lateness below 0: ProbeWorker takes `due` from Date.now() when it arms the timer, but Node counts a timeout from',
      "the event loop's cached time (uv_now, taken when the loop iteration began), so a timer can fire before `due` by",
      'up to the time its iteration had already run; the same offset makes late starts read that much less late.',
    );
  }
  if (b) out.push('', 'Probe results in the phase B window (prober_probe_total delta):', ...countLines(b.probeCounts, b.window.wallMs / 1000, ' (setup or overload; see warnings below)'));
  if (c) {
    out.push(
      '',
      `Probe results of the phase C bare prober over its ${f(c.countSeconds, 0)} s (settling and window; ${c.targets.web} web pod IPs, ${c.targets.exec} exec containers):`,
      ...countLines(c.counts, c.countSeconds, ''),
      `  ${c.runningAtEnd}/${total} benchmark containers running at window end`,
    );
  }
  for (const p of [a, b]) {
    if (!p) continue;
    out.push('', `${p.label}: warnings/errors logged in the window: ${p.warnings.length ? p.warnings.join(', ') : 'none'}`);
  }
  if (b) {
    const worst = b.latenessMaxPerSecond
      .map((ms, i) => ({ ms, i, s: b.window.seconds[i] }))
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 5)
      .map((x) => `s${x.i + 1}: ${f(x.ms)} ms; in that second the supervisor used ${f(x.s?.supMs ?? NaN, 0)} ms CPU and waited ${f(x.s?.rqWaitMs ?? NaN, 0)} ms for one; machine ${f(x.s?.machineBusyPct ?? NaN, 0)} % busy`);
    out.push('', 'Phase B seconds with the largest lateness:', ...worst.map((x) => `  ${x}`));
  }
  return out.join('\n');
}

/** One cell per phase: A, B, C. */
type Cells = [string, string, string];

/** Successes and failures per probe, keyed by countKey(), with rates over `seconds`. */
function countLines(counts: Map<string, number>, seconds: number, why: string): string[] {
  const probes = [...new Set([...counts.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')))].sort();
  let failed = 0;
  const out = probes.map((k) => {
    const ok = counts.get(`${k} successful`) ?? 0;
    const bad = counts.get(`${k} failed`) ?? 0;
    failed += bad;
    return `  ${k.padEnd(18)} successful ${String(ok).padStart(6)} (${f(ok / seconds, 1)}/s)   failed ${String(bad).padStart(4)}`;
  });
  out.push(failed === 0 ? '  all successful' : `  MISSED: ${failed} failed attempts${why}`);
  return out;
}

function latencyText(calls: ExecCall[]): string {
  const ms = calls.map((c) => c.ms);
  return `${f(percentile(ms, 50), 0)} / ${f(percentile(ms, 99), 0)} / ${f(Math.max(...ms), 0)}`;
}

function mainText(w: WindowResult): string {
  return `${f(w.supMainThreadPct)} / ${f(w.supUserPct + w.supSysPct - w.supMainThreadPct)}`;
}

function shimText(w: WindowResult, kind: PodKind): string {
  const s = w.shims[kind];
  return `${f(s.cpuPct, 2)} (${s.count})`;
}
