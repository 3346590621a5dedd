import type { Container, Probe } from '../api/generated/core-v1.js';
import type { Runtime } from '../runtime/index.js';

/**
 * One probe attempt's outcome. `warning` is a success that deserves an event (an HTTP redirect
 * to another host, as the kubelet reports it).
 */
export type ProbeOutcome = 'success' | 'failure' | 'warning';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** Human text for events and describe, e.g. "HTTP probe failed with statuscode: 500". */
  message: string;
}

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** Where a probe of one container instance goes. */
export interface ProbeTarget {
  runtime: Runtime;
  containerId: string;
  container: Pick<Container, 'name' | 'ports'>;
  /** Pod IP, or the node IP for host-network pods: the default httpGet/tcpSocket host. */
  podIP: string;
}

/** Runs one attempt of `probe` against `target`; never throws (errors are failures). */
export type ProbeHandler = (probe: Probe, target: ProbeTarget, timeoutMs: number) => Promise<ProbeResult>;
