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
export async function jitterUntil(fn: () => Promise<void>, periodMs: number, signal: AbortSignal, jitter = 0.04, waker?: Waker): Promise<void> {
  while (!signal.aborted) {
    await fn();
    const wait = new AbortController();
    const stop = () => wait.abort();
    signal.addEventListener('abort', stop, { once: true });
    waker?.arm(stop);
    await sleep(periodMs * (1 + Math.random() * jitter), wait.signal);
    waker?.arm(undefined);
    signal.removeEventListener('abort', stop);
  }
}

/** Cuts a jitterUntil wait short: the next round starts at once. */
export class Waker {
  private pending: (() => void) | undefined;
  arm(fn: (() => void) | undefined): void {
    this.pending = fn;
  }
  wake(): void {
    this.pending?.();
  }
}

/**
 * Loops that share a connection (the Lease and the node status, on the heartbeat client): an
 * outage that fails both is one state, logged once by whichever fails first and once when the
 * last of them works again.
 */
export class FailureGroup {
  readonly failing = new Set<OnceLogger>();
}

/**
 * Logs a loop's failure once when it starts failing and once when it works again, never per
 * retry: an outage is two lines however long it lasts and however its error text varies (a
 * refused connection, then a timeout, ...). Later, different errors go to debug. In a group,
 * only the first loop to fail warns and only the last to recover says so.
 */
export class OnceLogger {
  private last: string | undefined;
  private failingSince: number | undefined;
  private failures = 0;
  constructor(
    private readonly log: { warn(o: object, m: string): void; info(o: object, m: string): void; debug?(o: object, m: string): void },
    private readonly now: () => number = Date.now,
    private readonly group?: FailureGroup,
  ) {}
  failed(msg: string, err: string, fields: object = {}): void {
    this.failures++;
    if (this.failingSince === undefined) {
      this.failingSince = this.now();
      const othersFailing = this.group !== undefined && this.group.failing.size > 0;
      this.group?.failing.add(this);
      if (othersFailing) this.log.debug?.({ ...fields, err }, msg);
      else this.log.warn({ ...fields, err }, msg);
    } else if (err !== this.last) {
      this.log.debug?.({ ...fields, err }, msg);
    }
    this.last = err;
  }
  ok(msg: string, fields: object = {}): void {
    if (this.failingSince !== undefined) {
      this.group?.failing.delete(this);
      const line = { ...fields, failedForMs: this.now() - this.failingSince, failures: this.failures, lastError: this.last };
      if (this.group && this.group.failing.size > 0) this.log.debug?.(line, msg);
      else this.log.info(line, msg);
    }
    this.last = undefined;
    this.failingSince = undefined;
    this.failures = 0;
  }
  /** The last error while failing. */
  get failing(): string | undefined {
    return this.last;
  }
  /** When the current failure started (ms since the epoch). */
  get since(): number | undefined {
    return this.failingSince;
  }
}
