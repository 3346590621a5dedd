import type { Probe } from '../api/generated/core-v1.js';
import { SlotTimer } from './slots.js';
import { probeSettings, ThresholdState, type ProbeSettings } from './state.js';
import type { ProbeKind, ProbeResult, ProbeTarget } from './types.js';

export interface ProbeWorkerHooks {
  /** Runs one attempt (the manager adds the exec concurrency bound). */
  run(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult>;
  /** Whether this probe may run yet: liveness and readiness wait for the startup probe. */
  gated(): boolean;
  /** Every attempt, with the verdict after it and whether that verdict just flipped. */
  result(worker: ProbeWorker, r: ProbeResult, verdict: boolean, flipped: boolean): void;
  /** How late an attempt started against its due time, in ms (for the benchmark). */
  lateness?(ms: number): void;
  now(): number;
  /** Shared timer wheel; without one the worker keeps its own, with 1 ms slots. */
  slots?: SlotTimer;
}

/**
 * Probes one kind for one container instance, every period, with at most one attempt in flight.
 * The first attempt is delayed by a random part of the period so that many pods started together
 * do not probe in lock-step.
 */
export class ProbeWorker {
  readonly state: ThresholdState;
  readonly settings: ProbeSettings;
  private readonly slots: SlotTimer;
  private due = 0;
  private busy = false;
  private stopped = false;
  /** A failed liveness/startup verdict: the container is being restarted, stop probing it. */
  private onHold = false;

  constructor(
    readonly kind: ProbeKind,
    readonly probe: Probe,
    readonly target: ProbeTarget,
    /** Container start (ms); initialDelaySeconds counts from here. */
    readonly startedAt: number,
    private readonly hooks: ProbeWorkerHooks,
    /** A verdict saved before a supervisor restart (startup, readiness): resumed, not re-earned. */
    initial?: boolean,
  ) {
    this.settings = probeSettings(probe);
    this.state = new ThresholdState(kind, this.settings.successThreshold, this.settings.failureThreshold, initial);
    this.slots = hooks.slots ?? new SlotTimer(1, hooks.now);
  }

  start(firstDelayMs: number): void {
    this.schedule(this.slots.align(this.hooks.now() + Math.max(0, firstDelayMs)));
  }

  /** A pending tick still fires once, and returns at once. */
  stop(): void {
    this.stopped = true;
  }

  private schedule(due: number): void {
    if (this.stopped) return;
    this.due = due;
    // A throwing result hook must not take the supervisor down; the next tick carries on.
    this.slots.at(due, () => void this.tick().catch(() => undefined));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = this.hooks.now();
    this.hooks.lateness?.(started - this.due);
    // A fixed cadence from the due times, not from when attempts finish; periods are whole
    // seconds, so due times stay on slot boundaries. A loop stalled past a period skips ahead.
    let next = this.due + this.settings.periodMs;
    while (next <= started) next += this.settings.periodMs;
    this.schedule(this.slots.align(next));
    if (this.busy || this.onHold || this.stopped) return;
    if (this.kind === 'startup' && this.state.result) return;
    if (started - this.startedAt < this.settings.initialDelayMs) return;
    if (!this.hooks.gated()) return;
    this.busy = true;
    try {
      const r = await this.hooks.run(this.probe, this.target, this.settings.timeoutMs);
      if (this.stopped) return;
      const flipped = this.state.record(r.outcome !== 'failure');
      if (flipped && !this.state.result && this.kind !== 'readiness') {
        this.onHold = true;
        this.state.reset();
      }
      this.hooks.result(this, r, this.state.result, flipped);
    } finally {
      this.busy = false;
    }
  }
}
