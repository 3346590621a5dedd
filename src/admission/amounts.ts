/**
 * Resource amounts in the integer units the kubelet's admission compares: millicores for cpu,
 * plain units (bytes, pods) for everything else. Quantities round up, as Quantity.MilliValue and
 * Quantity.Value do, and saturate at int64 like them.
 */
import type { Quantity as QuantityText } from '../api/generated/core-v1.js';
import { parseQuantity, scaledValue } from '../validation/quantity.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const PODS = 'pods';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';

/** Amounts by resource name; cpu in millicores, the rest in units. */
export type Amounts = Record<string, bigint>;

/** A quantity in admission units for `resource`; malformed text (refused at validation) is 0. */
export function amountOf(resource: string, text: QuantityText | undefined): bigint {
  if (text === undefined) return 0n;
  const q = parseQuantity(text);
  if (!q) return 0n;
  return scaledValue(q, resource === CPU ? -3 : 0);
}

/** Every entry of a resource list in admission units. */
export function amountsOf(list: Record<string, QuantityText> | undefined): Amounts {
  const out: Amounts = {};
  for (const [name, text] of Object.entries(list ?? {})) out[name] = amountOf(name, text);
  return out;
}

export function addInto(target: Amounts, more: Amounts): void {
  for (const [name, v] of Object.entries(more)) target[name] = (target[name] ?? 0n) + v;
}

export function maxInto(target: Amounts, other: Amounts): void {
  for (const [name, v] of Object.entries(other)) if (target[name] === undefined || v > target[name]!) target[name] = v;
}

const BINARY_SUFFIXES: ReadonlyArray<[string, bigint]> = [
  ['Ei', 1n << 60n],
  ['Pi', 1n << 50n],
  ['Ti', 1n << 40n],
  ['Gi', 1n << 30n],
  ['Mi', 1n << 20n],
  ['Ki', 1n << 10n],
];

/**
 * An amount as a Kubernetes quantity string: cpu as cores or millicores, byte counts with the
 * largest binary suffix that divides them exactly (node status shows memory as "…Ki" this way).
 */
export function formatAmount(resource: string, v: bigint): string {
  if (resource === CPU) return v % 1000n === 0n ? String(v / 1000n) : `${v}m`;
  if (resource === PODS || v === 0n) return String(v);
  for (const [suffix, size] of BINARY_SUFFIXES) if (v % size === 0n) return `${v / size}${suffix}`;
  return String(v);
}

export function formatAmounts(a: Amounts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(a).sort()) out[name] = formatAmount(name, a[name]!);
  return out;
}
