/**
 * The two calls the event sink makes, on the event client (its own rate limit): POST an Event,
 * and the strategic-merge PATCH of a repeat. Behind an interface so the sink is testable without
 * an API server.
 */
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import { SMP } from '../registration.js';
import type { CoreEvent, RepeatPatch } from './types.js';

export interface EventWriter {
  create(event: CoreEvent): Promise<void>;
  patch(namespace: string, name: string, patch: RepeatPatch): Promise<void>;
}

/** The wire form: Go's omitempty drops an empty namespace (the Node's reference has none). */
function body(e: CoreEvent): CoreV1Event {
  const { namespace, ...ref } = e.involvedObject;
  // Times travel as strings: the client's serializer passes a non-Date through untouched.
  return { ...e, involvedObject: namespace ? { ...ref, namespace } : ref } as unknown as CoreV1Event;
}

export function apiWriter(core: CoreV1Api): EventWriter {
  return {
    create: async (e) => {
      await core.createNamespacedEvent({ namespace: e.metadata.namespace, body: body(e) });
    },
    patch: async (namespace, name, p) => {
      await core.patchNamespacedEvent({ namespace, name, body: p }, SMP);
    },
  };
}
