/**
 * Turns what staticlet records into core/v1 Events for the API server: pod events from the pod
 * core's event log, node events from the control plane. Source {component: kubelet, host: node}
 * so that tools filtering kubelet events (kubectl, dashboards, alerts) see these too. Each event
 * goes through the correlator, then into the bounded sink; recording never waits.
 */
import type { EventTarget, EventType } from '../../events/types.js';
import type { EventCorrelator, EventInput } from './correlator.js';
import type { EventSink } from './sink.js';
import type { ObjectRef } from './types.js';

export const EVENT_COMPONENT = 'kubelet';
/** Cluster-scoped objects' events live here, as client-go's recorder puts them. */
const DEFAULT_NAMESPACE = 'default';

export class ApiEventRecorder {
  constructor(
    private readonly nodeName: string,
    private readonly correlator: EventCorrelator,
    private readonly sink: EventSink,
  ) {}

  /**
   * A pod event as the pod core recorded it. For a static pod the target is the static pod
   * (UID = config hash), as the kubelet does; kubectl describe of the mirror pod looks events
   * up by that UID (it substitutes the config.mirror annotation).
   */
  pod(target: EventTarget, type: EventType, reason: string, message: string): void {
    const ref: ObjectRef = { kind: 'Pod', apiVersion: 'v1', namespace: target.namespace, name: target.name, uid: target.uid, ...(target.fieldPath ? { fieldPath: target.fieldPath } : {}) };
    this.record(target.namespace, ref, type, reason, message);
  }

  /** A node event: the kubelet's nodeRef names the Node and uses its name as the UID. */
  node(type: EventType, reason: string, message: string): void {
    const ref: ObjectRef = { kind: 'Node', apiVersion: 'v1', namespace: '', name: this.nodeName, uid: this.nodeName };
    this.record(DEFAULT_NAMESPACE, ref, type, reason, message);
  }

  private record(namespace: string, involvedObject: ObjectRef, type: EventType, reason: string, message: string): void {
    const input: EventInput = {
      namespace,
      involvedObject,
      type,
      reason,
      message,
      source: { component: EVENT_COMPONENT, host: this.nodeName },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: this.nodeName,
    };
    this.sink.enqueue(this.correlator.correlate(input));
  }
}
