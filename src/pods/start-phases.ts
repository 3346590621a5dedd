/**
 * Where a pod's start went, phase by phase: the kubelet's pod start histogram says how long a
 * start took, this says why. Phases, in the order a start meets them:
 *   admission  waiting for node admission (room, ports), from the first sync to admitted
 *   sandbox    RunPodSandbox
 *   image      image checks and pulls, summed over the pod's containers
 *   init       init containers and sidecars, from the first one's start until app containers begin
 *   create     CreateContainer of the app containers, summed
 *   start      StartContainer (and postStart hooks) of the app containers, summed
 *   ready      from the last app container started to the pod's Ready condition
 */
export const START_PHASES = ['image', 'admission', 'sandbox', 'init', 'create', 'start', 'ready'] as const;
export type StartPhase = (typeof START_PHASES)[number];

/** One finished start, as `staticlet describe` shows it. */
export interface StartBreakdown {
  /** Seconds per phase; phases the pod did not go through are 0. */
  phases: Record<StartPhase, number>;
  /** First seen to Running, and to Ready (seconds). */
  running: number;
  ready: number;
  /** When the pod became Ready (ms since the epoch). */
  at: number;
}

/** Accumulates one pod start; owned by its pod worker, one sync at a time. */
export class StartTimeline {
  private readonly sums: Record<StartPhase, number> = { image: 0, admission: 0, sandbox: 0, init: 0, create: 0, start: 0, ready: 0 };
  private initFrom: number | undefined;
  private initTo: number | undefined;
  private appsStartedAt: number | undefined;
  private runningAt: number | undefined;
  admittedAt: number | undefined;

  constructor(
    /** When the pod was first seen (ms). */
    readonly seenAt: number,
    private readonly now: () => number,
  ) {}

  add(phase: Exclude<StartPhase, 'init' | 'ready' | 'admission'>, ms: number): void {
    this.sums[phase] += ms;
  }

  admitted(): void {
    if (this.admittedAt !== undefined) return;
    this.admittedAt = this.now();
    this.sums.admission = this.admittedAt - this.seenAt;
  }

  /** An init container or sidecar is about to be started. */
  initStep(): void {
    this.initFrom ??= this.now();
  }

  /** An app container is about to be created: init containers are behind. */
  appStep(): void {
    if (this.initFrom !== undefined) this.initTo ??= this.now();
  }

  appStarted(): void {
    this.appsStartedAt = this.now();
  }

  /** Phase Running first seen; returns first-seen → running (ms) the first time only. */
  running(): number | undefined {
    if (this.runningAt !== undefined) return undefined;
    this.runningAt = this.now();
    return this.runningAt - this.seenAt;
  }

  /** Image pulls and init containers so far, which the SLI variant of the start duration leaves out (ms). */
  get excludedFromSliMs(): number {
    const init = this.initFrom === undefined ? 0 : (this.initTo ?? this.now()) - this.initFrom;
    return this.sums.image + init;
  }

  /** The pod is Ready: the start is over. */
  finish(): StartBreakdown {
    const at = this.now();
    if (this.initFrom !== undefined) this.sums.init = (this.initTo ?? at) - this.initFrom;
    this.sums.ready = this.appsStartedAt !== undefined ? at - this.appsStartedAt : 0;
    const phases = {} as Record<StartPhase, number>;
    for (const p of START_PHASES) phases[p] = Math.max(0, this.sums[p]) / 1000;
    return { phases, running: ((this.runningAt ?? at) - this.seenAt) / 1000, ready: (at - this.seenAt) / 1000, at };
  }
}
