/**
 * The kubelet eviction manager's bookkeeping without the evicting: observations are compared
 * with the thresholds; a condition turns on as soon as one of its thresholds is met (hard or
 * soft, grace periods do not delay it) and stays on until none has been met for
 * evictionPressureTransitionPeriod, so that a signal hovering at its threshold does not flap
 * the Node. Reclaim (image GC, then container GC) waits for a threshold's grace period, as the
 * kubelet's reclaimNodeLevelResources does.
 */
import { SIGNAL_KIND, thresholdValue, type PressureKind, type Signal, type Threshold } from './thresholds.js';

/** One signal's reading: what is available of what capacity (bytes, inodes, PIDs). */
export interface SignalObservation {
  available: bigint;
  capacity: bigint;
}

export type Observations = Partial<Record<Signal, SignalObservation>>;

export interface PressureState {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

export interface EvaluationResult {
  pressure: PressureState;
  /** Thresholds met now, their grace periods ignored (what the conditions follow). */
  met: Threshold[];
  /** Of those, the ones met for at least their grace period: reclaim is due for these. */
  due: Threshold[];
  /** Kinds that turned on in this evaluation. */
  started: PressureKind[];
  /** Kinds that turned off in this evaluation. */
  ended: PressureKind[];
}

export function thresholdMet(t: Threshold, o: SignalObservation | undefined): boolean {
  // A signal that could not be read meets nothing: no pressure is claimed without a figure.
  if (!o) return false;
  return o.available < thresholdValue(t, o.capacity);
}

function key(t: Threshold): string {
  return `${t.signal}/${t.hard ? 'hard' : 'soft'}`;
}

export class PressureEvaluator {
  private readonly firstObserved = new Map<string, number>();
  private readonly lastObserved = new Map<PressureKind, number>();
  private current: PressureState = { memory: false, disk: false, pid: false };

  constructor(
    private readonly thresholds: readonly Threshold[],
    private readonly transitionPeriodMs: number,
  ) {}

  get state(): PressureState {
    return { ...this.current };
  }

  evaluate(obs: Observations, now: number): EvaluationResult {
    const met = this.thresholds.filter((t) => thresholdMet(t, obs[t.signal]));
    const metKeys = new Set(met.map(key));
    // A threshold that stopped being met starts its grace period over next time.
    for (const k of [...this.firstObserved.keys()]) if (!metKeys.has(k)) this.firstObserved.delete(k);
    for (const t of met) if (!this.firstObserved.has(key(t))) this.firstObserved.set(key(t), now);
    const due = met.filter((t) => now - (this.firstObserved.get(key(t)) ?? now) >= t.gracePeriodMs);
    for (const t of met) this.lastObserved.set(SIGNAL_KIND[t.signal], now);
    const next: PressureState = { memory: false, disk: false, pid: false };
    for (const kind of ['memory', 'disk', 'pid'] as const) {
      const last = this.lastObserved.get(kind);
      next[kind] = last !== undefined && now - last < this.transitionPeriodMs;
      // The period counts from the last observation: a zero period ends pressure at once.
      if (last === now) next[kind] = true;
    }
    const started = (['memory', 'disk', 'pid'] as const).filter((k) => next[k] && !this.current[k]);
    const ended = (['memory', 'disk', 'pid'] as const).filter((k) => !next[k] && this.current[k]);
    this.current = next;
    return { pressure: { ...next }, met, due, started, ended };
  }
}
