/**
 * Field paths in the same notation as the API server's field.Path:
 * `spec.containers[1].resources.limits[cpu]` — struct fields dotted, list indices and map keys
 * in brackets. Plain string concatenation keeps the hot path allocation-light.
 */
export function field(parent: string, name: string): string {
  if (needsQuotes(name)) return `${parent}[${quoted(name)}]`;
  return parent === '' ? name : `${parent}.${name}`;
}

export function index(parent: string, i: number): string {
  return `${parent}[${i}]`;
}

export function key(parent: string, k: string): string {
  return `${parent}[${needsQuotes(k) ? quoted(k) : k}]`;
}

/**
 * Names come from the input (unknown fields, map keys): an empty one would leave no path at
 * all, and a control or line-breaking character would break the one-line error form. Those
 * are written as JSON strings in brackets (`spec["a\nb"]`, `[""]`); every other name as is,
 * the way the API server writes them.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function needsQuotes(name: string): boolean {
  return name === '' || UNPRINTABLE.test(name);
}

function quoted(name: string): string {
  // JSON.stringify escapes C0 controls only; DEL, C1 and the line separators are escaped too.
  return JSON.stringify(name).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True when one path is the other or lies inside it (`spec` contains `spec.containers[0]`). */
export function overlaps(a: string, b: string): boolean {
  if (a === '' || b === '' || a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && (long[short.length] === '.' || long[short.length] === '[');
}
