/**
 * What a Pod schema validator calls at run time besides ajv's own code: the formats and the
 * quantity-rounding keyword. It is its own module, free of ajv, because two kinds of validator
 * share it: the bundled schema's, generated at build time (generated/kubernetes-v1.36.ts imports
 * this module), and a cluster schema's, compiled at run time by compile.ts.
 */
import { parseQuantity } from './quantity.js';
import type { FieldError } from './types.js';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
// JSON numbers beyond 2^63 cannot come from a valid int64 even after float rounding.
const INT64_LIMIT = 9223372036854775808;
// RFC 3339 as Go's time.Time accepts it in JSON (the 'T' separator is required).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function isInt32(x: number): boolean {
  return Number.isInteger(x) && x >= INT32_MIN && x <= INT32_MAX;
}

/** ajv's FormatDefinition shape, declared here so that the generated validators never load ajv. */
export type SchemaFormat = { type: 'number'; validate: (x: number) => boolean } | { type: 'string'; validate: (s: string) => boolean };

/**
 * The formats of the generated schema, by their names in it. Generated code reads them as
 * `schemaFormats["<name>"]` (the generator's `code.formats` option), compile.ts adds them to ajv.
 */
export const schemaFormats: Readonly<Record<'int32' | 'int64' | 'int-or-string' | 'quantity' | 'date-time', SchemaFormat>> = {
  int32: { type: 'number', validate: isInt32 },
  int64: { type: 'number', validate: (x: number) => Number.isInteger(x) && x > -INT64_LIMIT && x < INT64_LIMIT },
  // Strings pass (any string is a valid named port); numbers must fit the int32 half.
  'int-or-string': { type: 'number', validate: isInt32 },
  quantity: { type: 'string', validate: (s: string) => parseQuantity(s) !== undefined },
  'date-time': { type: 'string', validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) },
};

/** The keyword compile.ts puts on the Quantity definition: it never refuses, it only notes. */
export const QUANTITY_ROUNDING_KEYWORD = 'x-staticlet-quantity-rounding';

// Warnings are gathered per call: validators run keyword code synchronously, so one list serves
// every validator in the process (collectRoundingWarnings brackets each call).
let warnings: FieldError[] | undefined;

/**
 * Called by validator code where the keyword sits (instancePath: the JSON pointer of `data`).
 * Outside collectRoundingWarnings it notes nothing.
 */
export function noteQuantityRounding(data: unknown, instancePath: string): void {
  if (warnings === undefined) return;
  const w = roundingWarning(data);
  if (w !== undefined) warnings.push({ path: instancePath, message: w });
}

/** Runs one validation and returns its result with the rounding warnings it noted (paths are JSON pointers). */
export function collectRoundingWarnings<T>(run: () => T): { result: T; warnings: FieldError[] } {
  const outer = warnings;
  const mine: FieldError[] = [];
  warnings = mine;
  try {
    return { result: run(), warnings: mine };
  } finally {
    warnings = outer;
  }
}

/**
 * The API server parses a quantity into nano units, rounding up what is finer ("0.1n", "1e-12"
 * become "1n"): it keeps the manifest but not its value, so staticlet accepts it and says so.
 */
function roundingWarning(data: unknown): string | undefined {
  if (typeof data !== 'string' && typeof data !== 'number') return undefined;
  const text = String(data);
  const q = parseQuantity(data);
  if (q === undefined || q.sign === 0 || !finerThanNano(text)) return undefined;
  return `quantity ${quote(data)} is finer than the API server keeps: it is rounded up to a multiple of 1n`;
}

/** Whether a quantity's literal has digits below 10^-9 (its parsed value is already rounded). */
function finerThanNano(text: string): boolean {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return false;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  const suffix = m[3];
  // Binary suffixes scale by powers of two: "0.5Ki" is whole; only decimal scales shift digits.
  if (suffix !== undefined && /i$/.test(suffix)) return false;
  const scale = suffix === undefined ? 0 : m[4] !== undefined ? Number(m[4]) : DECIMAL_SCALE[suffix] ?? 0;
  const intDigits = (m[1] ?? '').replace(/^0+/, '');
  let lowest: number;
  if (fraction.length > 0) lowest = scale - fraction.length;
  else {
    const trailing = intDigits.length - intDigits.replace(/0+$/, '').length;
    lowest = intDigits.length === 0 ? 0 : scale + trailing;
  }
  return lowest < -9;
}

const DECIMAL_SCALE: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A value as messages quote it: JSON, cut at 80 characters. */
export function quote(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
