import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { statusKb } from '../lifecycle/proc.js';
import { checkAborted } from '../lifecycle/wait.js';
import type { PodKind } from './pods.js';
import { CLK_TCK, loadAvg1, machineTicks, pctOfCore, schedNs, ticksWithChildren, userSysTicks, type Shim } from './proc.js';

export interface WindowSubject {
  /** CPU time the supervisor used so far, ms (own threads only). */
  cpuMs(): number;
  /** /proc/<pid>/status of the supervisor (RSS, HWM). */
  pid: number;
  /** Called right before the window opens (in-process: drop earlier lateness, snapshot counters). */
  begin?(): void;
  /** Called once a second inside the window, after the CPU readings (in-process: drain lateness). */
  perSecond?(second: number): void;
}

export interface Second {
  wallMs: number;
  supMs: number;
  containerdMs: number;
  /** Supervisor main thread runnable but not running (waiting for a CPU), ms. */
  rqWaitMs: number;
  /** Every CPU of the machine, percent of all cores. */
  machineBusyPct: number;
  rssKb: number;
}

export interface WindowResult {
  wallMs: number;
  supCpuPct: number;
  supMaxSlicePct: number;
  /** Where the supervisor's CPU went: user vs kernel, and the main (event loop) thread's share. */
  supUserPct: number;
  supSysPct: number;
  supMainThreadPct: number;
  /** Supervisor main thread: time waiting for a CPU while runnable, % of wall time. */
  rqWaitPct: number;
  rssEndKb: number;
  rssMinKb: number;
  rssMaxKb: number;
  hwmKb: number;
  containerdCpuPct: number;
  containerdMaxSlicePct: number;
  /** Shim CPU incl. reaped children (runc exec, the exec'd command), per pod kind. */
  shims: Record<PodKind, { count: number; cpuPct: number }>;
  /** Whole machine, percent of all cores, and what the processes measured here do not explain. */
  machineBusyPct: number;
  otherCoresPct: number;
  load1Start: number;
  load1End: number;
  /** Time the sampler itself spent per second, summed (ms): the harness's own work in-process. */
  samplerMs: number;
  seconds: Second[];
}

export interface WindowOptions {
  seconds: number;
  subject: WindowSubject;
  containerdPid: number;
  shims: ReadonlyArray<Shim & { kind: PodKind }>;
  trace?: (line: string) => void;
}

const ticksMs = (ticks: number): number => (ticks / CLK_TCK) * 1000;

/**
 * Samples once a second for `seconds`: supervisor and containerd CPU and supervisor RSS every
 * second (so a periodic burst shows as a slice), shims at the ends only (there are 130 of them).
 */
export async function sampleWindow(o: WindowOptions): Promise<WindowResult> {
  const ncpu = cpus().length;
  const shim0 = o.shims.map((s) => ticksWithChildren(s.pid));
  o.subject.begin?.();
  const t0 = performance.now();
  const sup0 = o.subject.cpuMs();
  const ctd0 = ticksWithChildren(o.containerdPid);
  const m0 = machineTicks();
  const rq0 = schedNs(o.subject.pid).waitNs;
  const us0 = userSysTicks(o.subject.pid);
  const main0 = userSysTicks(o.subject.pid, o.subject.pid);
  const load1Start = loadAvg1();
  let prev = { t: t0, sup: sup0, ctd: ctd0, m: m0, rq: rq0 };
  const seconds: Second[] = [];
  let samplerMs = 0;
  for (let i = 1; i <= o.seconds; i++) {
    checkAborted();
    await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
    const w0 = performance.now();
    const cur = { t: w0, sup: o.subject.cpuMs(), ctd: ticksWithChildren(o.containerdPid), m: machineTicks(), rq: schedNs(o.subject.pid).waitNs };
    const rssKb = statusKb(o.subject.pid, 'VmRSS');
    o.subject.perSecond?.(i);
    const s: Second = {
      wallMs: cur.t - prev.t,
      supMs: cur.sup - prev.sup,
      containerdMs: ticksMs(cur.ctd - prev.ctd),
      rqWaitMs: (cur.rq - prev.rq) / 1e6,
      machineBusyPct: ((cur.m.busy - prev.m.busy) / Math.max(1, cur.m.total - prev.m.total)) * 100,
      rssKb,
    };
    seconds.push(s);
    o.trace?.(`second ${i}: supervisor ${s.supMs.toFixed(0)} ms CPU, ${s.rqWaitMs.toFixed(0)} ms waiting for a CPU, containerd ${s.containerdMs.toFixed(0)} ms, machine ${s.machineBusyPct.toFixed(0)} % busy, RSS ${rssKb} kB`);
    prev = cur;
    samplerMs += performance.now() - w0;
  }
  const wallMs = prev.t - t0;
  const us1 = userSysTicks(o.subject.pid);
  const main1 = userSysTicks(o.subject.pid, o.subject.pid);
  const shimPct = (kind: PodKind): { count: number; cpuPct: number } => {
    let ticks = 0;
    let count = 0;
    o.shims.forEach((s, i) => {
      if (s.kind !== kind) return;
      const d = ticksWithChildren(s.pid) - shim0[i]!;
      if (Number.isFinite(d)) ticks += d;
      count++;
    });
    return { count, cpuPct: pctOfCore(ticks, wallMs) };
  };
  const shims = { web: shimPct('web'), exec: shimPct('exec') };
  const supCpuPct = ((prev.sup - sup0) / wallMs) * 100;
  const containerdCpuPct = pctOfCore(prev.ctd - ctd0, wallMs);
  const machineBusyPct = ((prev.m.busy - m0.busy) / Math.max(1, prev.m.total - m0.total)) * 100;
  const rss = seconds.map((s) => s.rssKb);
  const ours = supCpuPct + containerdCpuPct + shims.web.cpuPct + shims.exec.cpuPct;
  return {
    wallMs,
    supCpuPct,
    supMaxSlicePct: Math.max(...seconds.map((s) => (s.supMs / s.wallMs) * 100)),
    supUserPct: pctOfCore(us1.user - us0.user, wallMs),
    supSysPct: pctOfCore(us1.sys - us0.sys, wallMs),
    supMainThreadPct: pctOfCore(main1.user + main1.sys - main0.user - main0.sys, wallMs),
    rqWaitPct: ((prev.rq - rq0) / 1e6 / wallMs) * 100,
    rssEndKb: rss.at(-1) ?? NaN,
    rssMinKb: Math.min(...rss),
    rssMaxKb: Math.max(...rss),
    hwmKb: statusKb(o.subject.pid, 'VmHWM'),
    containerdCpuPct,
    containerdMaxSlicePct: Math.max(...seconds.map((s) => (s.containerdMs / s.wallMs) * 100)),
    shims,
    machineBusyPct,
    otherCoresPct: machineBusyPct - ours / ncpu,
    load1Start,
    load1End: loadAvg1(),
    samplerMs,
    seconds,
  };
}

/** CPU of another process, ms. */
export function procCpuMs(pid: number): () => number {
  return () => ticksMs(ticksWithChildren(pid));
}

/** CPU of this process, ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
