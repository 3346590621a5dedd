/**
 * staticlet's periodic housekeeping, on one cron scheduler: container GC, image GC, orphaned
 * pod directories and volumes, removed pods' log retention, and the pressure monitor (the
 * kubelet's eviction manager, minus evicting: static pods are critical pods).
 */
import type { Logger } from '../logging/logger.js';
import type { RuntimeClient } from '../runtime/index.js';
import { pruneRemovedPodLogs } from '../pods/log-paths.js';
import { cleanupOrphanedPodDirs } from '../volumes/index.js';
import { collectContainers, type ContainerGCPolicy } from './container-gc.js';
import { ImageGC, type ImageGCPolicy } from './image-gc.js';
import { PressureEvaluator, type Observations, type PressureState } from './pressure.js';
import { HousekeepingScheduler, type JobOutcome, type JobStatus } from './scheduler.js';
import { observeSignals } from './signals.js';
import { formatThreshold, SIGNAL_KIND, type PressureKind, type Threshold } from './thresholds.js';

export { HousekeepingScheduler, JobError, checkSchedule, type JobStatus, type JobOutcome } from './scheduler.js';
export type { PressureState } from './pressure.js';

export const JOB_CONTAINER_GC = 'container-gc';
export const JOB_IMAGE_GC = 'image-gc';
export const JOB_ORPHANED_PODS = 'orphaned-pod-dirs';
export const JOB_POD_LOGS = 'pod-log-retention';
export const JOB_PRESSURE = 'pressure';

/**
 * Default schedules: the kubelet's periods where it has one (ContainerGCPeriod 1 min,
 * ImageGCPeriod 5 min, evictionMonitoringPeriod 10 s); staticlet's former housekeeping minute
 * for the directory and log sweeps.
 */
export const DEFAULT_SCHEDULES: Readonly<Record<string, string>> = {
  [JOB_CONTAINER_GC]: '* * * * *',
  [JOB_IMAGE_GC]: '*/5 * * * *',
  [JOB_ORPHANED_PODS]: '* * * * *',
  [JOB_POD_LOGS]: '* * * * *',
  [JOB_PRESSURE]: '*/10 * * * * *',
};

export interface HousekeepingSettings {
  rootDir: string;
  podLogsDir: string;
  podLogRetentionMs: number;
  imageGC: ImageGCPolicy;
  containerGC: ContainerGCPolicy;
  thresholds: Threshold[];
  pressureTransitionPeriodMs: number;
  /** Job name → cron expression, over DEFAULT_SCHEDULES. */
  schedules: Record<string, string>;
}

export interface HousekeepingDeps {
  settings: HousekeepingSettings;
  runtime: RuntimeClient;
  logger: Logger;
  /** UIDs of the pods staticlet manages now (desired or still in the runtime). */
  livePods: () => ReadonlySet<string>;
  /** A Warning on the Node (ImageGCFailed); with an API server it is posted. */
  nodeEvent?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  now?: () => number;
}

/** What `staticlet node` shows and metrics read: jobs and the pressure monitor's last reading. */
export interface HousekeepingView {
  jobs: JobStatus[];
  pressure: {
    memory: boolean;
    disk: boolean;
    pid: boolean;
    /** `nodefs.available<10%` for every threshold met at the last reading. */
    thresholdsMet: string[];
    observedAt?: string;
    /** signal → available / capacity, as numbers (bytes, inodes, PIDs). */
    observations: Record<string, { available: number; capacity: number }>;
  };
}

/** The trigger under which GC reclaims all it may, not just down to the low threshold. */
const REASON_DISK_PRESSURE = 'disk pressure';

const KIND_TEXT: Record<PressureKind, string> = { memory: 'memory', disk: 'disk', pid: 'PID' };

export class Housekeeping {
  readonly scheduler: HousekeepingScheduler;
  readonly images: ImageGC;
  private readonly evaluator: PressureEvaluator;
  private readonly now: () => number;
  private observations: Observations = {};
  private observedAt: number | undefined;
  private met: Threshold[] = [];
  private imageGCFailedBefore = false;

  constructor(private readonly deps: HousekeepingDeps) {
    const s = deps.settings;
    this.now = deps.now ?? Date.now;
    this.scheduler = new HousekeepingScheduler(deps.logger, this.now);
    this.evaluator = new PressureEvaluator(s.thresholds, s.pressureTransitionPeriodMs);
    this.images = new ImageGC({
      runtime: deps.runtime,
      policy: s.imageGC,
      now: this.now,
      onRemoved: (img, reason) => deps.logger.info({ image: img.repoTags[0] ?? img.id, id: img.id, size: img.size, reason }, 'image garbage-collected'),
    });
    for (const job of Object.keys(s.schedules)) {
      if (!(job in DEFAULT_SCHEDULES)) throw new Error(`--housekeeping-schedule: unknown job "${job}" (one of ${Object.keys(DEFAULT_SCHEDULES).join(', ')})`);
    }
    const schedule = (job: string): string => s.schedules[job] ?? DEFAULT_SCHEDULES[job]!;
    this.scheduler.add({ name: JOB_CONTAINER_GC, schedule: schedule(JOB_CONTAINER_GC), run: () => collectContainers({ runtime: deps.runtime, policy: s.containerGC, now: this.now }) });
    this.scheduler.add({ name: JOB_IMAGE_GC, schedule: schedule(JOB_IMAGE_GC), run: (trigger) => this.imageGC(trigger === REASON_DISK_PRESSURE) });
    this.scheduler.add({ name: JOB_ORPHANED_PODS, schedule: schedule(JOB_ORPHANED_PODS), run: () => this.orphanedPods() });
    this.scheduler.add({ name: JOB_POD_LOGS, schedule: schedule(JOB_POD_LOGS), run: () => this.podLogs() });
    this.scheduler.add({ name: JOB_PRESSURE, schedule: schedule(JOB_PRESSURE), run: () => this.checkPressure() });
  }

  /** Starts the schedules, with a first pressure reading at once (the conditions start right). */
  start(): void {
    this.scheduler.start();
    // The kubelet detects images at start: minimum ages count from then, not from the first GC run.
    void this.images.detect().catch((err: unknown) => this.deps.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'first image detection failed'));
    void this.scheduler.trigger(JOB_PRESSURE, 'start');
  }

  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** The pressure conditions, for the node status setters (the control plane and `staticlet node`). */
  pressure(): PressureState {
    return this.evaluator.state;
  }

  view(): HousekeepingView {
    const observations: HousekeepingView['pressure']['observations'] = {};
    for (const [k, o] of Object.entries(this.observations)) observations[k] = { available: Number(o.available), capacity: Number(o.capacity) };
    return {
      jobs: this.scheduler.status(),
      pressure: {
        ...this.evaluator.state,
        thresholdsMet: this.met.map(formatThreshold),
        ...(this.observedAt !== undefined ? { observedAt: new Date(this.observedAt).toISOString() } : {}),
        observations,
      },
    };
  }

  private async imageGC(all: boolean): Promise<JobOutcome> {
    try {
      const out = await this.images.collect({ all });
      this.imageGCFailedBefore = false;
      return out;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      // The kubelet's rule: a single failure may be stats not being ready yet; a repeated one is
      // a Warning event on the Node.
      if (this.imageGCFailedBefore) this.deps.nodeEvent?.('Warning', 'ImageGCFailed', msg);
      this.imageGCFailedBefore = true;
      throw err;
    }
  }

  private async orphanedPods(): Promise<JobOutcome> {
    const uids = await cleanupOrphanedPodDirs({ rootDir: this.deps.settings.rootDir }, this.deps.livePods());
    if (uids.length > 0) this.deps.logger.info({ uids }, 'removed the volume directories of pods that are gone');
    return { removed: uids.length };
  }

  private async podLogs(): Promise<JobOutcome> {
    const s = this.deps.settings;
    const removed = await pruneRemovedPodLogs(s.podLogsDir, this.deps.livePods(), s.podLogRetentionMs, this.now());
    if (removed.length > 0) this.deps.logger.info({ removed }, 'removed logs of pods gone longer than the retention period');
    return { removed: removed.length };
  }

  /** One eviction-manager round: read, evaluate, reclaim on disk pressure; never evict. */
  private async checkPressure(): Promise<JobOutcome> {
    const obs = await observeSignals({ rootDir: this.deps.settings.rootDir, images: this.deps.runtime });
    return this.evaluate(obs);
  }

  /** Split from checkPressure so that tests can inject readings. */
  async evaluate(obs: Observations): Promise<JobOutcome> {
    const now = this.now();
    this.observations = obs;
    this.observedAt = now;
    const r = this.evaluator.evaluate(obs, now);
    this.met = r.met;
    const log = this.deps.logger;
    for (const kind of r.started) {
      const which = r.met.filter((t) => SIGNAL_KIND[t.signal] === kind).map(formatThreshold);
      log.warn({ thresholds: which }, `node has ${KIND_TEXT[kind]} pressure; static pods are critical and are never evicted`);
    }
    for (const kind of r.ended) log.info(`node ${KIND_TEXT[kind]} pressure is over`);
    const diskDue = r.due.some((t) => SIGNAL_KIND[t.signal] === 'disk');
    if (!diskDue) return { message: this.summary() };
    // Node-level reclaim as the kubelet's for nodefs/imagefs: dead containers first (their
    // images become unused), then every unused image past the minimum age.
    const c = await this.scheduler.trigger(JOB_CONTAINER_GC, REASON_DISK_PRESSURE);
    const i = await this.scheduler.trigger(JOB_IMAGE_GC, REASON_DISK_PRESSURE);
    const freed = (c.lastFreedBytes ?? 0) + (i.lastFreedBytes ?? 0);
    return { freedBytes: 0, message: `${this.summary()}; reclaim freed ${freed} bytes` };
  }

  private summary(): string {
    const p = this.evaluator.state;
    const on = (['memory', 'disk', 'pid'] as const).filter((k) => p[k]).map((k) => `${KIND_TEXT[k]} pressure`);
    return on.length > 0 ? `${on.join(', ')}: ${this.met.map(formatThreshold).join(', ') || 'within the transition period'}` : 'no pressure';
  }
}
