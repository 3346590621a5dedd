/**
 * Reading the eviction signals from the host, as the kubelet's summary provider feeds its
 * eviction manager: memory.available = capacity − working set (usage − inactive file pages),
 * nodefs from the root dir's filesystem, imagefs from the filesystem the runtime reports in
 * ImageFsInfo, pid.available = the PID limit − the tasks that exist.
 */
import { readFile, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ImageService } from '../runtime/index.js';
import type { Observations, SignalObservation } from './pressure.js';

export interface FsFigures {
  bytes: SignalObservation;
  inodes: SignalObservation;
}

/** statfs of a path, or of its nearest existing ancestor (the root dir may not exist yet). */
export async function fsFigures(path: string): Promise<FsFigures | undefined> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      const s = await statfs(dir, { bigint: true });
      // bavail, not bfree: what an unprivileged writer can still use, as cAdvisor reports Available.
      return { bytes: { available: s.bavail * s.bsize, capacity: s.blocks * s.bsize }, inodes: { available: s.ffree, capacity: s.files } };
    } catch {
      if (dir === dirname(dir)) return undefined;
    }
  }
}

function meminfoField(text: string, name: string): bigint | undefined {
  const m = new RegExp(`^${name.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? BigInt(m[1]!) * 1024n : undefined;
}

/**
 * cAdvisor's root container figures on a host: usage = MemTotal − MemFree, working set = usage −
 * inactive file pages (reclaimable at once), available = capacity − working set.
 */
export function memoryFromMeminfo(text: string): SignalObservation | undefined {
  const total = meminfoField(text, 'MemTotal');
  const free = meminfoField(text, 'MemFree');
  const inactiveFile = meminfoField(text, 'Inactive(file)') ?? 0n;
  if (total === undefined || free === undefined) return undefined;
  let workingSet = total - free - inactiveFile;
  if (workingSet < 0n) workingSet = 0n;
  return { available: total - workingSet, capacity: total };
}

/** pid_max (or threads-max, if lower) against the tasks in /proc/loadavg's running/total field. */
export function pidsFrom(pidMax: string, threadsMax: string | undefined, loadavg: string): SignalObservation | undefined {
  const limits = [pidMax, threadsMax].filter((x): x is string => x !== undefined).map((x) => Number(x.trim())).filter((n) => Number.isFinite(n) && n > 0);
  const m = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(loadavg);
  if (limits.length === 0 || !m) return undefined;
  const capacity = BigInt(Math.min(...limits));
  const used = BigInt(m[1]!);
  return { available: capacity > used ? capacity - used : 0n, capacity };
}

const readOr = (p: string): Promise<string | undefined> => readFile(p, 'utf8').catch(() => undefined);

export interface SignalSources {
  rootDir: string;
  images?: Pick<ImageService, 'imageFsInfo'>;
  /** /proc, for tests. */
  proc?: string;
}

/** Every signal that can be read now; an unreadable one is left out (and so meets no threshold). */
export async function observeSignals(src: SignalSources): Promise<Observations> {
  const proc = src.proc ?? '/proc';
  const [meminfo, pidMax, threadsMax, loadavg, nodefs, imageMount] = await Promise.all([
    readOr(`${proc}/meminfo`),
    readOr(`${proc}/sys/kernel/pid_max`),
    readOr(`${proc}/sys/kernel/threads-max`),
    readOr(`${proc}/loadavg`),
    fsFigures(src.rootDir),
    src.images
      ?.imageFsInfo({ timeoutMs: 5_000 })
      .then((i) => i.imageFilesystems[0]?.mountpoint)
      .catch(() => undefined),
  ]);
  const out: Observations = {};
  const memory = meminfo ? memoryFromMeminfo(meminfo) : undefined;
  if (memory) out['memory.available'] = memory;
  const pids = pidMax && loadavg ? pidsFrom(pidMax, threadsMax, loadavg) : undefined;
  if (pids) out['pid.available'] = pids;
  if (nodefs) {
    out['nodefs.available'] = nodefs.bytes;
    out['nodefs.inodesFree'] = nodefs.inodes;
  }
  // The kubelet treats a runtime without a separate image filesystem as imagefs = nodefs.
  const imagefs = imageMount ? ((await fsFigures(imageMount)) ?? nodefs) : nodefs;
  if (imagefs) {
    out['imagefs.available'] = imagefs.bytes;
    out['imagefs.inodesFree'] = imagefs.inodes;
  }
  return out;
}
