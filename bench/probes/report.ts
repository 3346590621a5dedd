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

export interface Report {
  machine: string;
  mix: PodMix;
  subnet: string;
  /** Phase B ran under the V8 CPU profiler (its CPU figure is inflated). */
  profiled: boolean;
  phaseA?: PhaseReport;
  phaseB?: PhaseReport & InProcessExtras;
}

const mb = (kb: number): string => ((kb * 1024) / 1e6).toFixed(1);
const f = (x: number, d = 1): string => {
  if (!Number.isFinite(x)) return '-';
  const s = x.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s; // no "-0.0" for a tiny negative sample
};
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');

export function countKey(kind: PodKind, probeType: string, result: string): string {
  return `${kind} ${probeType} ${result}`;
}

export function format(r: Report): string {
  const { phaseA: a, phaseB: b, mix } = r;
  const out: string[] = [r.machine, ''];
  const total = mix.web + mix.exec;
  out.push(
    `Pods: ${mix.web} web (busybox httpd; readiness httpGet :8080/, liveness tcpSocket :8080, period ${mix.webPeriodSeconds} s)`,
    `    + ${mix.exec} exec (sleep; liveness exec [cat /etc/hostname], readiness exec [true], period ${mix.execPeriodSeconds} s)`,
    `    = ${total} pods on the pod network ${r.subnet}, probed from the node.`,
    `Phase A: \`staticlet run\` as a child process; CPU and RSS from /proc/<pid>. No lateness (no endpoint exposes it).`,
    `Phase B: the same Supervisor in the benchmark process, adopting the same running pods; lateness from`,
    `         ProberManager.lateness (probe timer callback start vs due, both from Date.now()). Its CPU includes the`,
    `         harness, which only awaits a 1 s timer that reads /proc and drains the lateness buffer.`,
    ...(r.profiled ? ['         This run profiled phase B with the V8 CPU profiler: its CPU figure includes the profiler.'] : []),
    '',
  );
  const pa = (pick: (p: PhaseReport) => string): string => (a ? pick(a) : '-');
  const pb = (pick: (p: PhaseReport & InProcessExtras) => string): string => (b ? pick(b) : '-');
  const rows: Array<[string, string, string, string, string]> = [];
  const row = (label: string, va: string, vb: string, target = '', v = ''): void => void rows.push([label, va, vb, target, v]);
  row('all pods Ready after (s)', pa((p) => f(p.convergedMs / 1000)), pb((p) => f(p.convergedMs / 1000)));
  row('window (s), after settling (s)', pa((p) => `${f(p.window.wallMs / 1000, 0)}, ${p.settleSeconds}`), pb((p) => `${f(p.window.wallMs / 1000, 0)}, ${p.settleSeconds}`));
  const cpuOk = a ? a.window.supCpuPct < TARGET_CPU_PCT : b ? b.window.supCpuPct < TARGET_CPU_PCT : false;
  row(
    'supervisor CPU, % of one core',
    pa((p) => f(p.window.supCpuPct, 2)),
    pb((p) => f(p.window.supCpuPct, 2)),
    `< ${TARGET_CPU_PCT} %`,
    verdict(cpuOk) + (a ? ' (A)' : ' (B)'),
  );
  row('  busiest 1 s slice, %', pa((p) => f(p.window.supMaxSlicePct)), pb((p) => f(p.window.supMaxSlicePct)));
  row('  user / kernel', pa((p) => `${f(p.window.supUserPct)} / ${f(p.window.supSysPct)}`), pb((p) => `${f(p.window.supUserPct)} / ${f(p.window.supSysPct)}`));
  row('  main thread / other threads', pa((p) => mainText(p)), pb((p) => mainText(p)));
  row('  main thread waiting for a CPU, % of wall', pa((p) => f(p.window.rqWaitPct)), pb((p) => f(p.window.rqWaitPct)));
  row('  harness sampling work, % of one core', '(other process)', pb((p) => f((p.window.samplerMs / p.window.wallMs) * 100, 3)));
  row('supervisor RSS, MB at window end', pa((p) => mb(p.window.rssEndKb)), pb((p) => mb(p.window.rssEndKb)));
  row('  min - max in the window', pa((p) => `${mb(p.window.rssMinKb)} - ${mb(p.window.rssMaxKb)}`), pb((p) => `${mb(p.window.rssMinKb)} - ${mb(p.window.rssMaxKb)}`));
  row('  peak over the process life (VmHWM)', pa((p) => mb(p.window.hwmKb)), pb((p) => mb(p.window.hwmKb)));
  if (b) {
    const l = b.lateness;
    const over = l.filter((x) => x > TARGET_LATENESS_P99_MS).length;
    row('probe lateness p50, ms', '-', f(percentile(l, 50)));
    row('probe lateness p99, ms', '-', f(percentile(l, 99)), `< ${TARGET_LATENESS_P99_MS} ms`, verdict(percentile(l, 99) < TARGET_LATENESS_P99_MS));
    row('  p99.9 / max, ms', '-', `${f(percentile(l, 99.9))} / ${f(Math.max(...l))}`);
    row(`  samples (per s) / over ${TARGET_LATENESS_P99_MS} ms / below 0`, '-', `${l.length} (${f(l.length / (b.window.wallMs / 1000), 0)}) / ${over} / ${l.filter((x) => x < 0).length}`);
    const le = (lo: number, hi: number): string => `${((l.filter((x) => x > lo && x <= hi).length / l.length) * 100).toFixed(1)}`;
    row('  % in <=2 | 2-10 | 10-50 | >50 ms', '-', `${le(-Infinity, 2)} | ${le(2, 10)} | ${le(10, 50)} | ${le(50, Infinity)}`);
  } else {
    row('probe lateness p99, ms', '-', '-', `< ${TARGET_LATENESS_P99_MS} ms`, 'not measured');
  }
  const expectedExecPerS = (mix.exec * 2) / mix.execPeriodSeconds;
  row('ExecSync calls/s', `(${f(expectedExecPerS, 1)} by design)`, pb((p) => f(p.execCalls.length / (p.window.wallMs / 1000), 2)));
  row('  latency p50 / p99 / max, ms', '-', pb((p) => latencyText(p.execCalls)));
  row('  non-zero exits / failed calls', '-', pb((p) => `${p.execCalls.filter((c) => c.outcome === 'exit').length} / ${p.execCalls.filter((c) => c.outcome === 'error').length}`));
  row('containerd CPU, % of one core', pa((p) => f(p.window.containerdCpuPct, 2)), pb((p) => f(p.window.containerdCpuPct, 2)));
  row('  busiest 1 s slice, %', pa((p) => f(p.window.containerdMaxSlicePct)), pb((p) => f(p.window.containerdMaxSlicePct)));
  row('shim CPU incl. runc exec, %: exec pods', pa((p) => shimText(p, 'exec')), pb((p) => shimText(p, 'exec')));
  row('                              web pods', pa((p) => shimText(p, 'web')), pb((p) => shimText(p, 'web')));
  row('machine busy, % of all cores', pa((p) => f(p.window.machineBusyPct)), pb((p) => f(p.window.machineBusyPct)));
  row('  of which other processes', pa((p) => f(p.window.otherCoresPct)), pb((p) => f(p.window.otherCoresPct)));
  row('load average (1 min) start -> end', pa((p) => `${f(p.window.load1Start, 2)} -> ${f(p.window.load1End, 2)}`), pb((p) => `${f(p.window.load1Start, 2)} -> ${f(p.window.load1End, 2)}`));
  row('container restarts in window', pa((p) => String(p.restartsInWindow)), pb((p) => String(p.restartsInWindow)), '0', verdict((a?.restartsInWindow ?? 0) + (b?.restartsInWindow ?? 0) === 0));
  row('pods Ready at window end', pa((p) => `${p.after.ready}/${total}`), pb((p) => `${p.after.ready}/${total}`), `${total}`, verdict([a, b].every((p) => !p || p.after.ready === total)));
  const w = [42, 18, 30, 12];
  out.push(`${'figure'.padEnd(w[0]!)}${'A: child'.padStart(w[1]!)}${'B: in-process'.padStart(w[2]!)}  ${'target'.padEnd(w[3]!)}verdict`);
  for (const [label, va, vb, target, v] of rows) out.push(`${label.padEnd(w[0]!)}${va.padStart(w[1]!)}${vb.padStart(w[2]!)}  ${target.padEnd(w[3]!)}${v}`);
  if (b && b.lateness.some((x) => x < 0)) {
    out.push(
      '',
      'Lateness below 0: ProbeWorker takes `due` from Date.now() when it arms the timer, but Node counts a timeout from',
      "the event loop's cached time (uv_now, taken when the loop iteration began), so a timer can fire before `due` by",
      'up to the time its iteration had already run; the same offset makes late starts read that much less late.',
    );
  }
  if (b) {
    out.push('', 'Probe results in the phase B window (prober_probe_total delta):');
    const kinds = [...new Set([...b.probeCounts.keys()].map((k) => k.split(' ').slice(0, 2).join(' ')))].sort();
    let failed = 0;
    for (const k of kinds) {
      const ok = b.probeCounts.get(`${k} successful`) ?? 0;
      const bad = b.probeCounts.get(`${k} failed`) ?? 0;
      failed += bad;
      out.push(`  ${k.padEnd(18)} successful ${String(ok).padStart(6)} (${f(ok / (b.window.wallMs / 1000), 1)}/s)   failed ${String(bad).padStart(4)}`);
    }
    out.push(failed === 0 ? '  all successful' : `  MISSED: ${failed} failed attempts (setup or overload; see warnings below)`);
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

function latencyText(calls: ExecCall[]): string {
  const ms = calls.map((c) => c.ms);
  return `${f(percentile(ms, 50), 0)} / ${f(percentile(ms, 99), 0)} / ${f(Math.max(...ms), 0)}`;
}

function mainText(p: PhaseReport): string {
  const w = p.window;
  return `${f(w.supMainThreadPct)} / ${f(w.supUserPct + w.supSysPct - w.supMainThreadPct)}`;
}

function shimText(p: PhaseReport, kind: PodKind): string {
  const s = p.window.shims[kind];
  return `${f(s.cpuPct, 2)} (${s.count})`;
}
