import type { Logger } from '../logging/logger.js';
import type { EventRecorder } from '../events/types.js';
import type { EnsureImageRequest, EnsureImageResult, KeyedBackoff, Runtime } from '../runtime/index.js';
import type { ProbedContainer } from '../probes/manager.js';
import type { ProbeVerdicts } from '../status/types.js';
import type { NodeContext } from '../node/context.js';
import type { HostResolver } from './dns.js';
import type { PodAdmitter } from '../admission/index.js';
import type { PodMetrics } from './metrics.js';

/** The image side a pod worker needs; the runtime's ImageManager implements it. */
export interface ImageEnsurer {
  ensureImage(req: EnsureImageRequest): Promise<EnsureImageResult>;
  /** Milliseconds until `key` may be pulled again after a failure. */
  backoffRemaining(key: string): number;
  /** Drops expired back-off state. */
  gc(): void;
}

/** The prober as pod workers see it: they report running instances and read verdicts. */
export interface PodProber {
  sync(podUid: string, running: readonly ProbedContainer[]): void;
  removePod(podUid: string): void;
  verdicts(podUid: string): ProbeVerdicts;
  /** Startup probe passed for this instance (true without a startup probe). */
  isStarted(containerId: string): boolean;
}

/** Everything a pod worker uses, handed in so tests can pick a real runtime or a fake. */
export interface PodDeps {
  runtime: Runtime;
  images: ImageEnsurer;
  events: EventRecorder;
  node: NodeContext;
  /** Crash-loop back-off shared by all workers, keyed per pod and container. */
  crashBackoff: KeyedBackoff;
  logger: Logger;
  hostResolver(): Promise<HostResolver>;
  /** Absent: no probes run, every running container counts as ready and started. */
  probes?: PodProber;
  /** Node admission (maxPods, cpu/memory requests, host ports); absent: every pod is admitted. */
  admission?: PodAdmitter;
  /** Pod metrics (kubelet_started_*, pod start durations and phases); absent: not measured. */
  metrics?: PodMetrics;
  now(): number;
}
