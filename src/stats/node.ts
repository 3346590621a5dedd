import { readFile, statfs } from 'node:fs/promises';
import type { FsStats, MemoryStats, RlimitStats } from './types.js';

/** USER_HZ, the unit of /proc/stat: 100 on every Linux architecture Node.js runs on. */
const USER_HZ = 100;

/** Cumulative busy CPU time of the whole node, ns (every /proc/stat column but idle and iowait). */
export async function nodeCpuNanoSeconds(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const line = text.slice(0, text.indexOf('\n'));
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
  // counted in user and nice, so it is left out.
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1e9) / USER_HZ;
}

function meminfoField(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Node memory as the kubelet reports it for the root cgroup: usage is what is not free,
 * the working set is usage minus inactive file pages (reclaimable), available is capacity
 * minus the working set (what memory.available eviction compares).
 */
export async function nodeMemory(time: string): Promise<MemoryStats> {
  const [meminfo, vmstat] = await Promise.all([readFile('/proc/meminfo', 'utf8'), readFile('/proc/vmstat', 'utf8').catch(() => '')]);
  const total = meminfoField(meminfo, 'MemTotal') ?? 0;
  const free = meminfoField(meminfo, 'MemFree') ?? 0;
  const inactiveFile = meminfoField(meminfo, 'Inactive\\(file\\)') ?? 0;
  const usage = Math.max(0, total - free);
  const workingSet = Math.max(0, usage - inactiveFile);
  const out: MemoryStats = { time, availableBytes: Math.max(0, total - workingSet), usageBytes: usage, workingSetBytes: workingSet };
  const anon = meminfoField(meminfo, 'AnonPages');
  if (anon !== undefined) out.rssBytes = anon;
  const pg = /^pgfault (\d+)$/m.exec(vmstat);
  const maj = /^pgmajfault (\d+)$/m.exec(vmstat);
  if (pg) out.pageFaults = Number(pg[1]);
  if (maj) out.majorPageFaults = Number(maj[1]);
  return out;
}

export async function memoryCapacity(): Promise<number> {
  return meminfoField(await readFile('/proc/meminfo', 'utf8'), 'MemTotal') ?? 0;
}

/** The filesystem holding `path`, from statfs. */
export async function fsStats(path: string, time: string): Promise<FsStats | undefined> {
  try {
    const s = await statfs(path);
    const capacity = s.blocks * s.bsize;
    const available = s.bavail * s.bsize;
    return {
      time,
      availableBytes: available,
      capacityBytes: capacity,
      usedBytes: Math.max(0, (s.blocks - s.bfree) * s.bsize),
      inodesFree: s.ffree,
      inodes: s.files,
      inodesUsed: Math.max(0, s.files - s.ffree),
    };
  } catch {
    return undefined;
  }
}

/** The node's process limit (kernel.pid_max) and the processes running now. */
export async function rlimitStats(time: string): Promise<RlimitStats> {
  const [pidMax, loadavg] = await Promise.all([readFile('/proc/sys/kernel/pid_max', 'utf8').catch(() => ''), readFile('/proc/loadavg', 'utf8').catch(() => '')]);
  const out: RlimitStats = { time };
  if (/^\d+/.test(pidMax)) out.maxpid = Number.parseInt(pidMax, 10);
  // /proc/loadavg's fourth field is running/total scheduling entities (threads), the figure the
  // kubelet's rlimit curproc reports.
  const m = /\s\d+\/(\d+)\s/.exec(loadavg);
  if (m) out.curproc = Number(m[1]);
  return out;
}

/** When the node booted (the node's startTime). */
export async function bootTime(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const m = /^btime (\d+)$/m.exec(text);
  return m ? Number(m[1]) * 1000 : Date.now() - (await uptimeMs());
}

async function uptimeMs(): Promise<number> {
  return Number.parseFloat(await readFile('/proc/uptime', 'utf8')) * 1000;
}
