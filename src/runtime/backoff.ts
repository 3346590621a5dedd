/**
 * Per-key exponential back-off with the kubelet's semantics: the first failure waits `baseMs`,
 * each further failure inside the window doubles it up to `maxMs`, and a key that has been
 * quiet for more than 2 x maxMs starts over from `baseMs`. Pure arithmetic on an injected clock,
 * so tests need no timers.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  now?: () => number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class KeyedBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: BackoffOptions) {
    if (!(opts.baseMs > 0) || !(opts.maxMs >= opts.baseMs)) {
      throw new RangeError(`back-off needs 0 < baseMs <= maxMs (got ${opts.baseMs}, ${opts.maxMs})`);
    }
    this.baseMs = opts.baseMs;
    this.maxMs = opts.maxMs;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Records a failure and returns the delay now in force for `key`. `eventTime` (default now) is
   * when the failure happened; container restarts pass the container's finish time, so a
   * container that ran longer than 2 x maxMs before dying starts over from baseMs.
   */
  next(key: string, eventTime?: number): number {
    const now = this.now();
    const e = this.entries.get(key);
    const delayMs = !e || this.expired(e, eventTime ?? now) ? this.baseMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: now });
    return delayMs;
  }

  /**
   * Milliseconds left of the back-off that started at `eventTime` (a container's finish time),
   * 0 when a retry may go ahead. This is the kubelet's crash-loop test: the wait counts from the
   * failure, not from the previous restart.
   */
  remainingSince(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return 0;
    return Math.max(0, eventTime + e.delayMs - this.now());
  }

  /** Current delay for `key` (0 when none). */
  get(key: string): number {
    const e = this.entries.get(key);
    return e && !this.expired(e, this.now()) ? e.delayMs : 0;
  }

  /** Milliseconds left before `key` may be retried; 0 means go ahead. */
  remaining(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const now = this.now();
    if (this.expired(e, now)) return 0;
    return Math.max(0, e.lastUpdate + e.delayMs - now);
  }

  isInBackoff(key: string): boolean {
    return this.remaining(key) > 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops keys that would start over anyway; call now and then to bound memory. */
  gc(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (this.expired(e, now)) this.entries.delete(k);
  }

  private expired(e: Entry, at: number): boolean {
    return at - e.lastUpdate > 2 * this.maxMs;
  }
}

/** Delay for the n-th consecutive attempt (0-based), doubling from base and capped at max. */
export function exponentialDelay(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return baseMs;
  // 2^attempt overflows to Infinity long before it matters; min() caps it either way.
  return Math.min(maxMs, baseMs * 2 ** attempt);
}
