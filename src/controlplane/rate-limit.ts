/**
 * A token bucket, as client-go's flowcontrol limiter the kubelet's client uses: `burst` requests
 * at once, then `qps` per second. Waiters are served in order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.last = now();
  }

  /** Milliseconds until a token is free, taking it (0 when one is available now). */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }

  /** Resolves when the caller may send; chained so that waiters keep arrival order. */
  take(): Promise<void> {
    const next = this.queue.then(() => {
      const wait = this.reserve();
      return wait > 0 ? new Promise<void>((r) => setTimeout(r, wait)) : undefined;
    });
    this.queue = next;
    return next;
  }
}
