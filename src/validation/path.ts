/**
 * Field paths in the same notation as the API server's field.Path:
 * `spec.containers[1].resources.limits[cpu]` — struct fields dotted, list indices and map keys
 * in brackets. Plain string concatenation keeps the hot path allocation-light.
 */
export function field(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

export function index(parent: string, i: number): string {
  return `${parent}[${i}]`;
}

export function key(parent: string, k: string): string {
  return `${parent}[${k}]`;
}

/** True when one path is the other or lies inside it (`spec` contains `spec.containers[0]`). */
export function overlaps(a: string, b: string): boolean {
  if (a === '' || b === '' || a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && (long[short.length] === '.' || long[short.length] === '[');
}
