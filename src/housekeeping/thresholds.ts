/**
 * Eviction thresholds as the kubelet reads them (evictionHard / evictionSoft /
 * evictionSoftGracePeriod): `signal: "100Mi"` or `signal: "10%"`, each meaning "pressure when
 * the signal's available amount falls below this". staticlet evicts nothing (static pods are
 * critical); the thresholds drive the pressure conditions and node-level reclaim (image and
 * container GC) only.
 */
import { parseQuantity, scaledValue } from '../validation/index.js';

export const SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'] as const;
export type Signal = (typeof SIGNALS)[number];

/** The condition each signal drives (the kubelet's signalToNodeCondition). */
export type PressureKind = 'memory' | 'disk' | 'pid';
export const SIGNAL_KIND: Record<Signal, PressureKind> = {
  'memory.available': 'memory',
  'nodefs.available': 'disk',
  'nodefs.inodesFree': 'disk',
  'imagefs.available': 'disk',
  'imagefs.inodesFree': 'disk',
  'pid.available': 'pid',
};

export interface Threshold {
  signal: Signal;
  /** An absolute amount (bytes, inodes, PIDs) ... */
  quantity?: bigint;
  /** ... or a fraction of the signal's capacity, 0-1. */
  percentage?: number;
  /** Soft thresholds only: how long it must hold before reclaim starts. 0 for hard ones. */
  gracePeriodMs: number;
  hard: boolean;
}

/** The kubelet's Linux defaults (config/v1beta1 types.go, facts §11). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
};

function isSignal(s: string): s is Signal {
  return (SIGNALS as readonly string[]).includes(s);
}

/** One `signal: value`; undefined for a zero threshold, which the kubelet drops (it could never be met). */
export function parseThreshold(field: string, signal: string, value: string, hard: boolean, gracePeriodMs = 0): Threshold | undefined {
  if (!isSignal(signal)) throw new Error(`${field}: unsupported eviction signal "${signal}" (one of ${SIGNALS.join(', ')})`);
  const text = value.trim();
  if (text.endsWith('%')) {
    const p = Number(text.slice(0, -1));
    if (!Number.isFinite(p) || p < 0 || p > 100 || text.length === 1) throw new Error(`${field}[${signal}]: invalid percentage "${value}" (0% to 100%)`);
    return p === 0 ? undefined : { signal, percentage: p / 100, gracePeriodMs, hard };
  }
  const q = parseQuantity(text);
  if (!q || q.sign < 0) throw new Error(`${field}[${signal}]: invalid quantity "${value}"`);
  const n = scaledValue(q, 0);
  return n === 0n ? undefined : { signal, quantity: n, gracePeriodMs, hard };
}

export interface EvictionConfig {
  evictionHard?: Record<string, string> | undefined;
  evictionSoft?: Record<string, string> | undefined;
  evictionSoftGracePeriod?: Record<string, number> | undefined;
  mergeDefaultEvictionSettings?: boolean | undefined;
}

/**
 * All thresholds. As with the kubelet, an evictionHard given in the config replaces the
 * defaults (signals it leaves out have none) unless mergeDefaultEvictionSettings is true; every
 * soft threshold needs a grace period.
 */
export function parseThresholds(c: EvictionConfig): Threshold[] {
  const hard = c.evictionHard === undefined ? { ...DEFAULT_EVICTION_HARD } : c.mergeDefaultEvictionSettings ? { ...DEFAULT_EVICTION_HARD, ...c.evictionHard } : c.evictionHard;
  const out: Threshold[] = [];
  for (const [signal, value] of Object.entries(hard)) {
    const t = parseThreshold('evictionHard', signal, value, true);
    if (t) out.push(t);
  }
  const grace = c.evictionSoftGracePeriod ?? {};
  for (const signal of Object.keys(grace)) {
    if (!isSignal(signal)) throw new Error(`evictionSoftGracePeriod: unsupported eviction signal "${signal}"`);
  }
  for (const [signal, value] of Object.entries(c.evictionSoft ?? {})) {
    const g = grace[signal];
    if (g === undefined) throw new Error(`evictionSoft[${signal}]: needs a grace period in evictionSoftGracePeriod`);
    if (g < 0) throw new Error(`evictionSoftGracePeriod[${signal}]: must not be negative`);
    const t = parseThreshold('evictionSoft', signal, value, false, g);
    if (t) out.push(t);
  }
  return out;
}

/** The amount a threshold stands for on a signal with that capacity. */
export function thresholdValue(t: Threshold, capacity: bigint): bigint {
  if (t.quantity !== undefined) return t.quantity;
  // Whole percents of a byte count: the rounding error is below one byte per 1e6.
  return (capacity * BigInt(Math.round((t.percentage ?? 0) * 1e6))) / 1_000_000n;
}

/** `memory.available<100Mi`, `nodefs.available<10%`: how the kubelet prints a threshold. */
export function formatThreshold(t: Threshold): string {
  const v = t.quantity !== undefined ? t.quantity.toString() : `${Math.round((t.percentage ?? 0) * 10000) / 100}%`;
  return `${t.signal}<${v}${t.hard ? '' : ` (soft, grace ${t.gracePeriodMs / 1000}s)`}`;
}
