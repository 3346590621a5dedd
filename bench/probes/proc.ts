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
