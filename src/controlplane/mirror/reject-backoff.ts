/**
 * Mirror pods the API server refused (403, 422), per static pod UID: the create is retried after
 * 10 s, doubling to 5 min, and the reason is kept for `staticlet node`. Pure but for the clock.
 */
export interface Rejection {
  pod: string;
  reason: string;
}

export const REJECT_INITIAL_MS = 10_000;
export const REJECT_MAX_MS = 300_000;

export class RejectBackoff {
  private readonly entries = new Map<string, Rejection & { until: number; delayMs: number }>();
  constructor(
    private readonly initialMs = REJECT_INITIAL_MS,
    private readonly maxMs = REJECT_MAX_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while the pod's next create has to wait. */
  blocked(uid: string): boolean {
    const e = this.entries.get(uid);
    return e !== undefined && this.now() < e.until;
  }

  /** Records a refusal; returns the delay before the next attempt. */
  rejected(uid: string, pod: string, reason: string): number {
    const prev = this.entries.get(uid);
    const delayMs = prev ? Math.min(prev.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(uid, { pod, reason, delayMs, until: this.now() + delayMs });
    return delayMs;
  }

  succeeded(uid: string): void {
    this.entries.delete(uid);
  }

  /** Drops the entries of pods that are gone. */
  retain(uids: ReadonlySet<string>): void {
    for (const uid of this.entries.keys()) if (!uids.has(uid)) this.entries.delete(uid);
  }

  list(): Rejection[] {
    return [...this.entries.values()].map(({ pod, reason }) => ({ pod, reason }));
  }
}
