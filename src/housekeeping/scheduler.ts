/**
 * Periodic housekeeping on cron schedules (node-cron). A job never overlaps itself: a cron tick
 * or a trigger (disk pressure asks for image GC at once) that comes while the job runs joins the
 * run in flight instead of starting a second one. Each job's last outcome is kept as plain data
 * for `staticlet node` and for metrics.
 */
import { createTask, validate, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logging/logger.js';

/** What one run of a job reports back. */
export interface JobOutcome {
  /** Bytes the run freed, when the job can tell. */
  freedBytes?: number;
  /** Objects removed (containers, images, directories). */
  removed?: number;
  /** One line on what happened, for `staticlet node`. */
  message?: string;
}

export interface JobDefinition {
  name: string;
  /** node-cron expression (five fields, or six with seconds first). */
  schedule: string;
  /** `trigger`: 'schedule', or what asked for the run (e.g. 'disk pressure'). */
  run: (trigger: string) => Promise<JobOutcome>;
}

export type JobResult = 'ok' | 'failed';

/** A job as `staticlet node` shows it and metrics read it. Times are RFC 3339. */
export interface JobStatus {
  name: string;
  schedule: string;
  runs: number;
  failures: number;
  running: boolean;
  lastRun?: string;
  lastDurationMs?: number;
  lastResult?: JobResult;
  lastError?: string;
  lastFreedBytes?: number;
  lastRemoved?: number;
  lastMessage?: string;
  /** Sum over all runs. */
  totalFreedBytes: number;
  /** What started the last run: its schedule, or a named trigger (e.g. "disk pressure"). */
  lastTrigger?: string;
  nextRun?: string;
}

interface Job {
  def: JobDefinition;
  task: ScheduledTask | undefined;
  inflight: Promise<JobStatus> | undefined;
  status: JobStatus;
}

/** Refuses an expression node-cron would not run, with the job's name. */
export function checkSchedule(name: string, expression: string): void {
  if (!validate(expression)) throw new Error(`housekeeping schedule for ${name}: invalid cron expression "${expression}"`);
}

export class HousekeepingScheduler {
  private readonly jobs = new Map<string, Job>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  add(def: JobDefinition): void {
    checkSchedule(def.name, def.schedule);
    if (this.jobs.has(def.name)) throw new Error(`housekeeping job ${def.name} added twice`);
    const job: Job = { def, task: undefined, inflight: undefined, status: { name: def.name, schedule: def.schedule, runs: 0, failures: 0, running: false, totalFreedBytes: 0 } };
    this.jobs.set(def.name, job);
    if (this.started) this.schedule(job);
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const job of this.jobs.values()) this.schedule(job);
  }

  /** Stops the schedules and waits for runs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running: Array<Promise<unknown>> = [];
    for (const job of this.jobs.values()) {
      await job.task?.destroy();
      job.task = undefined;
      if (job.inflight) running.push(job.inflight);
    }
    await Promise.allSettled(running);
  }

  /** Runs a job now, or joins its run in flight; resolves with its status afterwards. */
  trigger(name: string, reason: string): Promise<JobStatus> {
    const job = this.jobs.get(name);
    if (!job) return Promise.reject(new Error(`no housekeeping job ${name}`));
    return this.runJob(job, reason);
  }

  /** Every job's status, in the order they were added. */
  status(): JobStatus[] {
    return [...this.jobs.values()].map((j) => {
      const next = j.task?.getNextRun();
      return { ...j.status, ...(next ? { nextRun: next.toISOString() } : {}) };
    });
  }

  private schedule(job: Job): void {
    // unref: a schedule alone must not keep the process alive; noOverlap is node-cron's own
    // guard, runJob's in-flight promise the one that also covers triggers.
    const task = createTask(job.def.schedule, () => this.runJob(job, 'schedule').then(() => undefined), { name: job.def.name, noOverlap: true, unref: true, logger: this.cronLogger(job.def.name) });
    job.task = task;
    void task.start();
  }

  /** node-cron's own messages (a missed tick on a busy host) go to staticlet's log, not the console. */
  private cronLogger(job: string): CronLogger {
    const text = (m: string | Error, err?: Error) => ({ job, msg: m instanceof Error ? m.message : m, ...(err ? { err: err.message } : {}) });
    return {
      info: (m) => this.logger.debug(text(m), 'node-cron'),
      warn: (m) => this.logger.debug(text(m), 'node-cron'),
      error: (m, err) => this.logger.warn(text(m, err), 'node-cron'),
      debug: (m, err) => this.logger.trace(text(m, err), 'node-cron'),
    };
  }

  private runJob(job: Job, reason: string): Promise<JobStatus> {
    if (job.inflight) return job.inflight;
    if (this.stopped) return Promise.resolve({ ...job.status });
    const started = this.now();
    const s = job.status;
    s.running = true;
    s.lastTrigger = reason;
    const p = (async (): Promise<JobStatus> => {
      try {
        const out = await job.def.run(reason);
        s.lastResult = 'ok';
        delete s.lastError;
        s.lastFreedBytes = out.freedBytes ?? 0;
        s.totalFreedBytes += out.freedBytes ?? 0;
        s.lastRemoved = out.removed ?? 0;
        if (out.message) s.lastMessage = out.message;
        else delete s.lastMessage;
      } catch (err) {
        s.lastResult = 'failed';
        s.failures++;
        s.lastError = err instanceof Error ? err.message : String(err);
        // A failed run may still have freed something (image GC that fell short).
        const partial = err instanceof JobError ? err.outcome : undefined;
        s.lastFreedBytes = partial?.freedBytes ?? 0;
        s.totalFreedBytes += partial?.freedBytes ?? 0;
        s.lastRemoved = partial?.removed ?? 0;
        delete s.lastMessage;
        this.logger.warn({ job: job.def.name, err: s.lastError }, 'housekeeping job failed');
      } finally {
        s.runs++;
        s.running = false;
        s.lastRun = new Date(started).toISOString();
        s.lastDurationMs = this.now() - started;
        job.inflight = undefined;
      }
      return { ...s };
    })();
    job.inflight = p;
    return p;
  }
}

/** A failure that still did part of the work (the scheduler records what was freed). */
export class JobError extends Error {
  constructor(
    message: string,
    readonly outcome: JobOutcome,
  ) {
    super(message);
    this.name = 'JobError';
  }
}
