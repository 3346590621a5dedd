import type { Probe } from '../api/generated/core-v1.js';
import type { ProbeKind } from './types.js';

/**
 * The kubelet's threshold rule: a probe's result only flips after `successThreshold`
 * consecutive successes or `failureThreshold` consecutive failures. Readiness starts "not
 * ready", liveness starts "alive", startup starts "not started".
 */
export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeSettings(p: Probe): ProbeSettings {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

export class ThresholdState {
  /** Undefined until a threshold is first reached: a startup probe starts out "unknown". */
  private verdict: boolean | undefined;
  private last: boolean | undefined;
  private run = 0;

  constructor(
    readonly kind: ProbeKind,
    private readonly successThreshold: number,
    private readonly failureThreshold: number,
    /** The verdict a restarted supervisor saved for this container instance, if any. */
    initial?: boolean,
  ) {
    if (kind === 'liveness') this.verdict = true;
    if (kind === 'readiness') this.verdict = initial ?? false;
    if (kind === 'startup' && initial !== undefined) this.verdict = initial;
  }

  /** Current verdict: true = ready / alive / started. */
  get result(): boolean {
    return this.verdict ?? false;
  }

  /** Records one attempt; returns true when the verdict flipped. */
  record(success: boolean): boolean {
    this.run = this.last === success ? this.run + 1 : 1;
    this.last = success;
    const threshold = success ? this.successThreshold : this.failureThreshold;
    if (this.run < threshold || this.verdict === success) return false;
    this.verdict = success;
    return true;
  }

  /** After a liveness or startup failure the container is restarted: count afresh. */
  reset(): void {
    this.run = 0;
    this.last = undefined;
  }
}
