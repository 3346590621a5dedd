import type { Probe } from '../api/generated/core-v1.js';
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
}

/**
 * Probes one kind for one container instance, every period, with at most one attempt in flight.
 * The first attempt is delayed by a random part of the period so that many pods started together
 * do not probe in lock-step.
 */
export class ProbeWorker {
  readonly state: ThresholdState;
  readonly settings: ProbeSettings;
  private timer: NodeJS.Timeout | undefined;
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
  ) {
    this.settings = probeSettings(probe);
    this.state = new ThresholdState(kind, this.settings.successThreshold, this.settings.failureThreshold);
  }

  start(firstDelayMs: number): void {
    this.schedule(Math.max(0, firstDelayMs));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.due = this.hooks.now() + ms;
    // A throwing result hook must not take the supervisor down; the next tick carries on.
    this.timer = setTimeout(() => void this.tick().catch(() => undefined), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const started = this.hooks.now();
    this.hooks.lateness?.(started - this.due);
    // Keep a fixed cadence from the due time, not from when the attempt finished.
    this.schedule(Math.max(0, this.settings.periodMs - (started - this.due)));
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
