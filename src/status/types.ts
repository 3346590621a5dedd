import type { Pod, PodStatus } from '../api/generated/core-v1.js';
import type { ContainerStatus, PodSandboxStatus } from '../runtime/index.js';

/**
 * What the pod worker knows about one pod after a sync: the desired pod, what the runtime
 * reports, and the worker's own verdicts (why a container is not running yet, whether the pod
 * reached a terminal phase). Status is computed from this alone, so it is a pure function.
 */
export interface WaitingNote {
  /** ContainerCreating, PodInitializing, CrashLoopBackOff, ErrImagePull, ImagePullBackOff,
   * InvalidImageName, ErrImageNeverPull, CreateContainerConfigError, CreateContainerError,
   * RunContainerError, PreStartHookError, PostStartHookError... */
  reason: string;
  message?: string;
}

export interface PodTerminalNote {
  phase: 'Succeeded' | 'Failed';
  /** Pod-level reason, e.g. DeadlineExceeded. */
  reason?: string;
  message?: string;
}

export interface ProbeVerdicts {
  /** Readiness by container name; absent = no readiness probe (running means ready). */
  ready?: Record<string, boolean>;
  /** Startup probe passed, by container name; absent = no startup probe (running means started). */
  started?: Record<string, boolean>;
}

export interface PodObservation {
  /** The desired pod as accepted from its manifest (identity applied; spec is authoritative). */
  pod: Pod;
  /** Newest sandbox of the pod, if any (ready or not). */
  sandbox?: PodSandboxStatus;
  /** Every runtime container instance of this pod still present, any sandbox, any state. The
   * newest instance per container name (by createdAt, then restart count) is the current one;
   * the one before it supplies lastState. Restart counts come from the instance annotations. */
  containers: ContainerStatus[];
  /** Worker verdicts by container name, from its last sync. */
  waiting: Record<string, WaitingNote>;
  probes?: ProbeVerdicts;
  /** The node's primary IP (also hostIP/hostIPs of host-network pods' podIP). */
  hostIP: string;
  /** When the worker first acknowledged the pod (ms); becomes status.startTime. */
  startTime?: number;
  /** Set once the worker decided the pod is done (all containers finished under its restart
   * policy, a failed init container under Never, or activeDeadlineSeconds exceeded). */
  terminal?: PodTerminalNote;
  /** Set while the pod waits for room on the node (admission: OutOfpods, OutOfcpu, NodePorts...):
   * the pod stays Pending with this reason and message and shows no container statuses yet. */
  admission?: WaitingNote;
  /** Previous status, so condition lastTransitionTime only moves when a status flips. */
  previous?: PodStatus;
  /** Current time in ms (injected for tests). */
  now: number;
}
