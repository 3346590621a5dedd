/**
 * Kubernetes-style events about pods, kept in memory per pod. The shape follows core/v1 Event
 * (reason, message, count, first/last timestamp, involvedObject) so a later control-plane
 * publisher can post them as they are.
 */
export type EventType = 'Normal' | 'Warning';

export interface EventTarget {
  namespace: string;
  name: string;
  uid: string;
  /** e.g. spec.containers{httpd}; omitted for pod-level events. */
  fieldPath?: string;
}

export interface PodEvent {
  type: EventType;
  reason: string;
  message: string;
  count: number;
  /** RFC 3339 times. */
  firstTimestamp: string;
  lastTimestamp: string;
  involvedObject: { kind: 'Pod'; apiVersion: 'v1' } & EventTarget;
  source: { component: 'staticlet'; host: string };
}

export interface EventRecorder {
  record(target: EventTarget, type: EventType, reason: string, message: string): void;
}

export type EventListener = (target: EventTarget, type: EventType, reason: string, message: string) => void;

/** Every event as it is recorded: the control plane posts them to the API server. */
export interface EventFeed {
  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}
