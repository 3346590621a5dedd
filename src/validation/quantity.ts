/**
 * Kubernetes resource quantities ("500m", "1.5Gi", "1e3", 2) parsed into an exact value.
 *
 * A quantity is kept as sign × mantissa × 10^exponent with a BigInt mantissa and trailing zeros
 * folded into the exponent, so comparisons are exact and never go through floating point (the
 * whole point of the Kubernetes type). The exponent is never materialised as a power of ten
 * unless two values have the same magnitude, which bounds the work by the input length: a
 * hostile "1e999999999" costs as much as "1e9".
 */

export interface Quantity {
  /** -1, 0 or 1. */
  readonly sign: -1 | 0 | 1;
  /** |value| = mantissa × 10^exponent; mantissa has no trailing zeros (0n when sign is 0). */
  readonly mantissa: bigint;
  readonly exponent: number;
}

// <signedNumber><suffix>; the suffix is binary SI, decimal SI (n, u and m included, as the API
// server accepts them), or a decimal exponent.
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Readonly<Record<string, bigint>> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };

/** Exponents beyond this are saturated: both far outside any int64 quantity, exactness is moot. */
const MAX_EXPONENT = 1e15;
/** The API server rounds quantities up to the nearest nano unit. */
const MIN_EXPONENT = -9;
const ZERO: Quantity = { sign: 0, mantissa: 0n, exponent: 0 };

function normalize(sign: -1 | 1, mantissa: bigint, exponent: number): Quantity {
  if (mantissa === 0n) return ZERO;
  if (exponent < MIN_EXPONENT) {
    // Round away from zero to nano precision, as inf.RoundUp does in ParseQuantity.
    const shift = MIN_EXPONENT - exponent;
    const digits = mantissa.toString().length;
    if (shift >= digits) {
      mantissa = 1n;
    } else {
      const div = 10n ** BigInt(shift);
      mantissa = (mantissa + div - 1n) / div;
    }
    exponent = MIN_EXPONENT;
  }
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  return { sign, mantissa, exponent: Math.min(exponent, MAX_EXPONENT) };
}

/** Parses a quantity; undefined when the text is not one. */
export function parseQuantity(input: string | number): Quantity | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    text = String(input);
  } else {
    text = input;
  }
  // No realistic quantity is this long; refusing early keeps BigInt work bounded.
  if (text.length === 0 || text.length > 256) return undefined;
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  const sign: -1 | 1 = m[1] === '-' ? -1 : 1;
  let mantissa = BigInt(intPart + fracPart || '0');
  let exponent = -fracPart.length;
  const suffix = m[4];
  if (suffix !== undefined) {
    const bin = BINARY_SUFFIX[suffix];
    if (bin !== undefined) {
      mantissa <<= bin;
    } else {
      const dec = DECIMAL_SUFFIX[suffix];
      if (dec !== undefined) {
        exponent += dec;
      } else {
        // Decimal exponent: Go parses it as int64; larger is a format error there too.
        const e = BigInt(suffix.slice(1));
        if (e > 9223372036854775807n || e < -9223372036854775808n) return undefined;
        const clamped = e > BigInt(MAX_EXPONENT) ? MAX_EXPONENT : e < BigInt(-MAX_EXPONENT) ? -MAX_EXPONENT : Number(e);
        exponent += clamped;
      }
    }
  }
  return normalize(sign, mantissa, exponent);
}

/** Position of the most significant digit, for comparing magnitudes without expanding powers. */
function magnitude(q: Quantity): number {
  return q.mantissa.toString().length + q.exponent;
}

function compareAbs(a: Quantity, b: Quantity): number {
  const ma = magnitude(a);
  const mb = magnitude(b);
  if (ma !== mb) return ma < mb ? -1 : 1;
  // Same magnitude: exponents differ by at most the mantissa lengths, so alignment is cheap.
  let x = a.mantissa;
  let y = b.mantissa;
  if (a.exponent > b.exponent) x *= 10n ** BigInt(a.exponent - b.exponent);
  else if (b.exponent > a.exponent) y *= 10n ** BigInt(b.exponent - a.exponent);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** -1, 0 or 1 as a <, =, > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  const c = compareAbs(a, b);
  return a.sign === 1 ? c : -c;
}

export function isInteger(q: Quantity): boolean {
  return q.exponent >= 0;
}

/** Far beyond any real resource; Go's int64 accessors saturate here. */
const INT64_MAX = 9223372036854775807n;

/**
 * ceil(q / 10^scale) as an integer, the way resource.Quantity's ScaledValue rounds (Value() is
 * scale 0, MilliValue() scale -3), saturating at int64. Negative values round toward zero.
 */
export function scaledValue(q: Quantity, scale: number): bigint {
  if (q.sign === 0) return 0n;
  const shift = q.exponent - scale;
  let v: bigint;
  if (shift >= 0) {
    // A mantissa with this many digits is already past int64.
    v = q.mantissa.toString().length + shift > 19 ? INT64_MAX : q.mantissa * 10n ** BigInt(shift);
  } else {
    const div = 10n ** BigInt(-shift);
    v = (q.mantissa + div - 1n) / div;
  }
  if (v > INT64_MAX) v = INT64_MAX;
  return q.sign < 0 ? -v : v;
}

/** ceil(a / b) for positive b (b <= 0 gives 0). */
export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) return 0n;
  return a >= 0n ? (a + b - 1n) / b : a / b;
}
