import { sleep } from '../pods/hooks.js';

/** Doubling delays from `initialMs`, capped at `maxMs` (the kubelet's registration and Lease back-offs). */
export class Backoff {
  private current: number;
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {
    this.current = initialMs;
  }
  next(): number {
    const d = this.current;
    this.current = Math.min(this.current * 2, this.maxMs);
    return d;
  }
  reset(): void {
    this.current = this.initialMs;
  }
}

/** Registration: sleeps 100 ms before the first attempt, doubling to 7 s (registerWithAPIServer). */
export const registrationBackoff = (): Backoff => new Backoff(100, 7_000);
/** Lease ensure: 200 ms doubling to 7 s (the lease controller's backoffEnsureLease). */
export const leaseBackoff = (): Backoff => new Backoff(200, 7_000);

/**
 * Runs `fn`, then waits `periodMs` plus up to 4 % jitter after it returns (wait.JitterUntil,
 * sliding), until the signal aborts. `fn` must not throw.
 */
export async function jitterUntil(fn: () => Promise<void>, periodMs: number, signal: AbortSignal, jitter = 0.04): Promise<void> {
  while (!signal.aborted) {
    await fn();
    await sleep(periodMs * (1 + Math.random() * jitter), signal);
  }
}

/** Logs a failure once per distinct message, and the recovery once. */
export class OnceLogger {
  private last: string | undefined;
  constructor(private readonly log: { warn(o: object, m: string): void; info(o: object, m: string): void }) {}
  failed(msg: string, err: string, fields: object = {}): void {
    if (err !== this.last) this.log.warn({ ...fields, err }, msg);
    this.last = err;
  }
  ok(msg: string, fields: object = {}): void {
    if (this.last !== undefined) this.log.info(fields, msg);
    this.last = undefined;
  }
  get failing(): string | undefined {
    return this.last;
  }
}
