import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkAborted } from './wait.js';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
export const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime in ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses; fields are counted after its last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** A /proc/<pid>/status field in kB (VmRSS, VmHWM). */
export function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

export interface IdleSample {
  seconds: number;
  /** Mean CPU over the window, percent of one core. */
  cpuPct: number;
  /** Busiest one-second slice, percent of one core. */
  cpuMaxSlicePct: number;
  rssEndKb: number;
  /** RSS swings with V8's major GCs; min and max bound where it sits. */
  rssMinKb: number;
  rssMaxKb: number;
}

/** Samples once a second so a periodic burst (relist, rescan, resync) shows as a slice. */
export async function sampleIdle(pid: number, seconds: number, trace?: (line: string) => void): Promise<IdleSample> {
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  let prevT = t0;
  let prevC = c0;
  let cpuMaxSlicePct = 0;
  let rssMaxKb = statusKb(pid, 'VmRSS');
  let rssMinKb = rssMaxKb;
  for (let i = 1; i <= seconds; i++) {
    checkAborted();
    await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
    const t = performance.now();
    const c = cpuTicks(pid);
    cpuMaxSlicePct = Math.max(cpuMaxSlicePct, pct(c - prevC, t - prevT));
    const rss = statusKb(pid, 'VmRSS');
    rssMaxKb = Math.max(rssMaxKb, rss);
    rssMinKb = Math.min(rssMinKb, rss);
    trace?.(`idle second ${i}: ${c - prevC} ticks, RSS ${rss} kB`);
    prevT = t;
    prevC = c;
  }
  return { seconds, cpuPct: pct(prevC - c0, prevT - t0), cpuMaxSlicePct, rssEndKb: statusKb(pid, 'VmRSS'), rssMinKb, rssMaxKb };
}

function pct(ticks: number, wallMs: number): number {
  return (ticks / CLK_TCK / (wallMs / 1000)) * 100;
}
