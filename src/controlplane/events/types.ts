/**
 * The core/v1 Event as staticlet posts it: the fields the legacy (core/v1) recorder of the
 * kubelet fills, nothing more. Times are RFC 3339 strings with seconds precision.
 */
export type CoreEventType = 'Normal' | 'Warning';

export interface ObjectRef {
  kind: string;
  apiVersion: string;
  /** '' for cluster-scoped objects (the Node). */
  namespace: string;
  name: string;
  /** Static pods: the static UID (the config hash); the Node: its name, as the kubelet's nodeRef. */
  uid: string;
  fieldPath?: string;
}

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  involvedObject: ObjectRef;
  reason: string;
  message: string;
  source: { component: string; host: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  type: CoreEventType;
  reportingComponent: string;
  reportingInstance: string;
}

/** The strategic-merge patch of a repeat: only what changes between occurrences. */
export interface RepeatPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}
