/**
 * Node capacity as the kubelet reports it (cAdvisor's machine info) and allocatable =
 * capacity − kubeReserved − systemReserved − the hard eviction thresholds.
 */
import { readFile, statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { thresholdValue, type Threshold } from '../housekeeping/thresholds.js';
import { amountOf, CPU, EPHEMERAL_STORAGE, MEMORY, PODS, type Amounts } from './amounts.js';

export interface NodeResources {
  capacity: Amounts;
  allocatable: Amounts;
}

export interface ReservationSettings {
  maxPods: number;
  kubeReserved: Record<string, string>;
  systemReserved: Record<string, string>;
  /** The hard eviction thresholds held back from allocatable; absent: the kubelet's defaults. */
  evictionThresholds?: readonly Threshold[];
}

/**
 * The kubelet's default hard thresholds, held back from allocatable when no thresholds are
 * given: memory.available<100Mi and nodefs.available<10%.
 */
export const HARD_EVICTION_MEMORY = 100n * 1024n * 1024n;
export const HARD_EVICTION_NODEFS_PERCENT = 10n;

/** MemTotal from /proc/meminfo, as cAdvisor reads it; the OS figure where that file is missing. */
async function memoryCapacity(): Promise<bigint> {
  try {
    const m = /^MemTotal:\s+(\d+)\s+kB$/m.exec(await readFile('/proc/meminfo', 'utf8'));
    if (m) return BigInt(m[1]!) * 1024n;
  } catch {
    // not Linux, or /proc hidden: fall through
  }
  return BigInt(totalmem());
}

/** Size of the filesystem holding the root dir (the kubelet's nodefs), when it can be read. */
async function storageCapacity(rootDir: string): Promise<bigint | undefined> {
  // The root dir may not exist yet: the filesystem it will live on is its nearest ancestor's.
  for (let dir = resolve(rootDir); ; dir = dirname(dir)) {
    try {
      const s = await statfs(dir, { bigint: true });
      return s.blocks * s.bsize;
    } catch {
      if (dir === dirname(dir)) return undefined;
    }
  }
}

/** What the machine offers: logical CPUs, total memory, maxPods, the root dir's filesystem. */
export async function readCapacity(maxPods: number, rootDir?: string): Promise<Amounts> {
  const capacity: Amounts = {
    [CPU]: BigInt(availableParallelism()) * 1000n,
    [MEMORY]: await memoryCapacity(),
    [PODS]: BigInt(maxPods),
  };
  const storage = rootDir !== undefined ? await storageCapacity(rootDir) : undefined;
  if (storage !== undefined) capacity[EPHEMERAL_STORAGE] = storage;
  return capacity;
}

/** Allocatable from capacity; a resource never goes below zero, as in the kubelet. */
export function allocatableOf(capacity: Amounts, settings: Pick<ReservationSettings, 'kubeReserved' | 'systemReserved' | 'evictionThresholds'>): Amounts {
  const reserved: Amounts = {};
  for (const list of [settings.kubeReserved, settings.systemReserved]) {
    for (const [name, text] of Object.entries(list)) reserved[name] = (reserved[name] ?? 0n) + amountOf(name, text);
  }
  // As the kubelet's GetNodeAllocatableReservation: the hard memory.available and
  // nodefs.available thresholds, a percentage taken of the capacity.
  const hard = (signal: string) => settings.evictionThresholds?.find((t) => t.hard && t.signal === signal);
  const memory = capacity[MEMORY] ?? 0n;
  const memHard = settings.evictionThresholds ? hard('memory.available') : undefined;
  reserved[MEMORY] = (reserved[MEMORY] ?? 0n) + (settings.evictionThresholds ? (memHard ? thresholdValue(memHard, memory) : 0n) : HARD_EVICTION_MEMORY);
  const storage = capacity[EPHEMERAL_STORAGE];
  if (storage !== undefined) {
    const fsHard = settings.evictionThresholds ? hard('nodefs.available') : undefined;
    const held = settings.evictionThresholds ? (fsHard ? thresholdValue(fsHard, storage) : 0n) : (storage * HARD_EVICTION_NODEFS_PERCENT) / 100n;
    reserved[EPHEMERAL_STORAGE] = (reserved[EPHEMERAL_STORAGE] ?? 0n) + held;
  }
  const out: Amounts = {};
  for (const [name, v] of Object.entries(capacity)) {
    const left = v - (reserved[name] ?? 0n);
    out[name] = left > 0n ? left : 0n;
  }
  return out;
}

export async function readNodeResources(settings: ReservationSettings & { rootDir?: string }): Promise<NodeResources> {
  const capacity = await readCapacity(settings.maxPods, settings.rootDir);
  return { capacity, allocatable: allocatableOf(capacity, settings) };
}
