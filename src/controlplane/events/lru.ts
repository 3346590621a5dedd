/**
 * A fixed-size least-recently-used map (client-go's correlator caches are LRUs of 4096): a get
 * or set makes an entry the newest, and a set beyond the size evicts the oldest. Map iteration
 * order is insertion order, so delete + set is all the bookkeeping needed.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Lru: size must be a positive integer, got ${size}`);
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as string);
  }

  get length(): number {
    return this.map.size;
  }
}
