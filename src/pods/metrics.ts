import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DEF_BUCKETS, POD_STARTUP_BUCKETS } from '../metrics/buckets.js';
import type { StartPhase } from './start-phases.js';
import type { StepKind } from './plan.js';

/** What the pod workers and their manager measure; a no-op stands in when metrics are off. */
export interface PodMetrics {
  /** One sync of a pod worker: create (first), update (new spec), sync (anything else). */
  workerSync(operation: 'create' | 'update' | 'sync', seconds: number): void;
  /** A RunPodSandbox attempt for a pod start (kubelet_started_pods_*). */
  sandboxStarted(ok: boolean): void;
  /** A StartContainer attempt; `code` is the waiting reason when it failed. */
  containerStarted(kind: StepKind, code?: string): void;
  /** A pod came back with the same UID while its old life was going down. */
  podRestarted(): void;
  /** First seen → running, and the same without image pulls and init containers (the SLI variant). */
  podStarted(seconds: number, sliSeconds: number): void;
  startPhase(phase: StartPhase, seconds: number): void;
  /** One runtime relist; the interval since the previous relist started, when there was one. */
  relist(seconds: number, intervalSeconds: number | undefined): void;
}

export const NO_POD_METRICS: PodMetrics = {
  workerSync: () => undefined,
  sandboxStarted: () => undefined,
  containerStarted: () => undefined,
  podRestarted: () => undefined,
  podStarted: () => undefined,
  startPhase: () => undefined,
  relist: () => undefined,
};

/** Pod counts read at scrape time, so that a scrape is the only cost of these gauges. */
export interface PodCounts {
  /** Pods with a ready sandbox. */
  runningPods: number;
  /** Containers by CRI state (created, running, exited, unknown). */
  containers: Record<string, number>;
  /** Desired (static) pods, and those of them not in a terminal phase. */
  desired: number;
  active: number;
  /** Pod workers by lifecycle × config × static, every combination present. */
  working: Array<{ lifecycle: string; config: string; static: string; count: number }>;
}

export interface PodCountSource {
  podCounts(): PodCounts;
}

/** The CRI container states the kubelet labels kubelet_running_containers with. */
const CONTAINER_STATES = ['created', 'running', 'exited', 'unknown'] as const;

/** The kubelet's container_type label values; sidecars are init containers to it. */
const CONTAINER_TYPE: Record<StepKind, string> = { init: 'init_container', sidecar: 'init_container', app: 'container' };

/**
 * Registers the pod metrics on `registry`. Gauges are computed from `counts` when scraped;
 * everything else is observed where it happens (pods/worker.ts, pods/start.ts, pods/manager.ts).
 */
export function createPodMetrics(registry: Registry, counts: () => PodCountSource | undefined): PodMetrics {
  const registers = [registry];
  const snapshot = (): PodCounts | undefined => counts()?.podCounts();
  // One snapshot serves every gauge of one scrape: the collect callbacks run back to back.
  let cached: { at: number; value: PodCounts | undefined } | undefined;
  const current = (): PodCounts | undefined => {
    const now = performance.now();
    if (!cached || now - cached.at > 50) cached = { at: now, value: snapshot() };
    return cached.value;
  };
  new Gauge({
    name: 'kubelet_running_pods',
    help: '[ALPHA] Number of pods that have a running pod sandbox',
    registers,
    collect() {
      this.set(current()?.runningPods ?? 0);
    },
  });
  new Gauge({
    name: 'kubelet_running_containers',
    help: '[ALPHA] Number of containers currently running',
    labelNames: ['container_state'],
    registers,
    collect() {
      const c = current()?.containers ?? {};
      for (const s of CONTAINER_STATES) this.set({ container_state: s }, c[s] ?? 0);
    },
  });
  new Gauge({
    name: 'kubelet_desired_pods',
    help: '[ALPHA] The number of pods the kubelet is being instructed to run. static is true if the pod is not from the apiserver.',
    labelNames: ['static'],
    registers,
    collect() {
      // Every pod staticlet runs is static; the API-server series is kept at 0 as the kubelet has it.
      this.set({ static: '' }, 0);
      this.set({ static: 'true' }, current()?.desired ?? 0);
    },
  });
  new Gauge({
    name: 'kubelet_active_pods',
    help: '[ALPHA] The number of pods the kubelet considers active and which are being considered when admitting new pods. static is true if the pod is not from the apiserver.',
    labelNames: ['static'],
    registers,
    collect() {
      this.set({ static: '' }, 0);
      this.set({ static: 'true' }, current()?.active ?? 0);
    },
  });
  new Gauge({
    name: 'kubelet_working_pods',
    help: '[ALPHA] Number of pods the kubelet is actually running, broken down by lifecycle phase, whether the pod is desired, orphaned, or runtime only (also orphaned), and whether the pod is static.',
    labelNames: ['lifecycle', 'config', 'static'],
    registers,
    collect() {
      for (const w of current()?.working ?? []) this.set({ lifecycle: w.lifecycle, config: w.config, static: w.static }, w.count);
    },
  });

  const workerDuration = new Histogram({
    name: 'kubelet_pod_worker_duration_seconds',
    help: '[ALPHA] Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync',
    labelNames: ['operation_type'],
    buckets: [...DEF_BUCKETS],
    registers,
  });
  const startedPods = new Counter({ name: 'kubelet_started_pods_total', help: '[ALPHA] Cumulative number of pods started', registers });
  const startedPodErrors = new Counter({ name: 'kubelet_started_pods_errors_total', help: '[ALPHA] Cumulative number of errors when starting pods', registers });
  const startedContainers = new Counter({ name: 'kubelet_started_containers_total', help: '[ALPHA] Cumulative number of containers started', labelNames: ['container_type'], registers });
  const startedContainerErrors = new Counter({
    name: 'kubelet_started_containers_errors_total',
    help: '[ALPHA] Cumulative number of errors when starting containers',
    labelNames: ['container_type', 'code'],
    registers,
  });
  const restarted = new Counter({
    name: 'kubelet_restarted_pods_total',
    help: '[ALPHA] Number of pods that have been restarted because they were deleted and recreated with the same UID while the kubelet was watching them (common for static pods, extremely uncommon for API pods)',
    labelNames: ['static'],
    registers,
  });
  const podStart = new Histogram({
    name: 'kubelet_pod_start_duration_seconds',
    help: '[ALPHA] Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
    buckets: [...POD_STARTUP_BUCKETS],
    registers,
  });
  const podStartSli = new Histogram({
    name: 'kubelet_pod_start_sli_duration_seconds',
    help: '[ALPHA] Duration in seconds to start a pod, excluding time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch',
    buckets: [...POD_STARTUP_BUCKETS],
    registers,
  });
  const phase = new Histogram({
    name: 'staticlet_pod_start_phase_duration_seconds',
    help: 'Time a pod start spent in each phase: image pulls, admission wait, sandbox, init containers, container creation, container start, and from started to Ready.',
    labelNames: ['phase'],
    buckets: [...DEF_BUCKETS, 30, 60, 120, 300],
    registers,
  });
  const relistDuration = new Histogram({ name: 'kubelet_pleg_relist_duration_seconds', help: '[ALPHA] Duration in seconds for relisting pods in PLEG.', buckets: [...DEF_BUCKETS], registers });
  const relistInterval = new Histogram({ name: 'kubelet_pleg_relist_interval_seconds', help: '[ALPHA] Interval in seconds between relisting in PLEG.', buckets: [...DEF_BUCKETS], registers });
  return {
    workerSync: (op, s) => workerDuration.observe({ operation_type: op }, s),
    sandboxStarted: (ok) => (ok ? startedPods.inc() : (startedPods.inc(), startedPodErrors.inc())),
    containerStarted: (kind, code) => {
      const t = CONTAINER_TYPE[kind];
      startedContainers.inc({ container_type: t });
      if (code !== undefined) startedContainerErrors.inc({ container_type: t, code });
    },
    podRestarted: () => restarted.inc({ static: 'true' }),
    podStarted: (s, sli) => {
      podStart.observe(s);
      podStartSli.observe(Math.max(0, sli));
    },
    startPhase: (p, s) => phase.observe({ phase: p }, s),
    relist: (s, interval) => {
      relistDuration.observe(s);
      if (interval !== undefined) relistInterval.observe(interval);
    },
  };
}
