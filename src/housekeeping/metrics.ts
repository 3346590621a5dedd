import { Gauge, type Registry } from 'prom-client';
import type { JobStatus } from './scheduler.js';

/**
 * The housekeeping jobs on /metrics, read from the scheduler's status at scrape time (no state of
 * their own): when each job last ran, how long it took, whether it worked, what it freed. Five
 * jobs, so five series per metric.
 */
export function registerHousekeepingMetrics(registry: Registry, jobs: () => readonly JobStatus[]): void {
  const registers = [registry];
  const each = (set: (j: JobStatus) => number | undefined) =>
    function collect(this: Gauge) {
      this.reset();
      for (const j of jobs()) {
        const v = set(j);
        if (v !== undefined) this.set({ job: j.name }, v);
      }
    };
  new Gauge({ name: 'staticlet_housekeeping_last_run_timestamp_seconds', help: 'When each housekeeping job last finished, seconds since the epoch.', labelNames: ['job'], registers, collect: each((j) => (j.lastRun ? Date.parse(j.lastRun) / 1000 : undefined)) });
  new Gauge({ name: 'staticlet_housekeeping_last_duration_seconds', help: "How long each housekeeping job's last run took.", labelNames: ['job'], registers, collect: each((j) => (j.lastDurationMs !== undefined ? j.lastDurationMs / 1000 : undefined)) });
  new Gauge({ name: 'staticlet_housekeeping_last_success', help: "1 if each housekeeping job's last run worked, 0 if it failed.", labelNames: ['job'], registers, collect: each((j) => (j.lastResult === undefined ? undefined : j.lastResult === 'ok' ? 1 : 0)) });
  new Gauge({ name: 'staticlet_housekeeping_runs', help: 'Runs of each housekeeping job since staticlet started.', labelNames: ['job'], registers, collect: each((j) => j.runs) });
  new Gauge({ name: 'staticlet_housekeeping_failures', help: 'Failed runs of each housekeeping job since staticlet started.', labelNames: ['job'], registers, collect: each((j) => j.failures) });
  new Gauge({ name: 'staticlet_housekeeping_freed_bytes', help: 'Bytes each housekeeping job freed since staticlet started.', labelNames: ['job'], registers, collect: each((j) => j.totalFreedBytes) });
}
