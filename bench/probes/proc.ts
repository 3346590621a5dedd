import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { CLK_TCK } from '../lifecycle/proc.js';

export { CLK_TCK };

/** Own CPU and that of waited-for children (utime, stime, cutime, cstime), in ticks; NaN if gone. */
export function ticksWithChildren(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return NaN;
  }
}

/**
 * Main thread (the event loop) of `pid`: ns on a CPU and ns runnable but waiting for one
 * (/proc/<pid>/schedstat describes the thread-group leader only); NaN if gone.
 */
export function schedNs(pid: number): { runNs: number; waitNs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runNs: run!, waitNs: wait! };
  } catch {
    return { runNs: NaN, waitNs: NaN };
  }
}

/** utime and stime of a process (all threads), or of one thread with `tid`, in ticks; NaN if gone. */
export function userSysTicks(pid: number, tid?: number): { user: number; sys: number } {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]), sys: Number(f[12]) };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/** All CPUs: busy and total jiffies from /proc/stat (iowait counts as idle, steal as busy). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export function loadAvg1(): number {
  return loadavg()[0]!;
}

export interface Shim {
  pid: number;
  /** The -id argument: the sandbox ID for CRI-grouped shims. */
  id: string;
}

/** containerd-shim processes serving the containerd whose socket lives under `envDir`. */
export function findShims(envDir: string): Shim[] {
  const out: Shim[] = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.includes('containerd-shim')) continue;
    if (!argv.some((a) => a.startsWith(`${envDir}/`))) continue;
    const i = argv.indexOf('-id');
    if (i >= 0 && argv[i + 1]) out.push({ pid: Number(ent), id: argv[i + 1]! });
  }
  return out;
}

export function containerdPid(envDir: string): number {
  const vars = Object.fromEntries(
    readFileSync(`${envDir}/env`, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const pid = Number(vars.CONTAINERD_PID || readFileSync(`${envDir}/containerd.pid`, 'utf8').trim());
  if (!(pid > 0)) throw new Error(`no containerd pid in ${envDir}/env`);
  return pid;
}

/** Percent of one core from a tick delta over a wall-clock span. */
export function pctOfCore(ticks: number, wallMs: number): number {
  return (ticks / CLK_TCK / (wallMs / 1000)) * 100;
}
