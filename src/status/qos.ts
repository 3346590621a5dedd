/** Pod QoS class by the Kubernetes rules (only cpu and memory count). */
import type { PodSpec, Quantity as QuantityText, ResourceRequirements } from '../api/generated/core-v1.js';
import { compareQuantities, parseQuantity, type Quantity } from '../validation/index.js';
import { defaultedResources } from './spec.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;
const ZERO: Quantity = { sign: 0, mantissa: 0n, exponent: 0 };

function amount(list: Record<string, QuantityText> | undefined, name: string): Quantity {
  const raw = list?.[name];
  if (raw === undefined) return ZERO;
  // Validation has already refused malformed quantities; an odd one counts as unset.
  return parseQuantity(raw) ?? ZERO;
}

/**
 * The class of one set of requirements: equal non-zero cpu and memory requests and limits is
 * Guaranteed, nothing at all is BestEffort, anything in between Burstable.
 */
function requirementsQos(r: ResourceRequirements): QosClass {
  let seen: QosClass | undefined;
  for (const name of QOS_RESOURCES) {
    const req = amount(r.requests, name);
    const lim = amount(r.limits, name);
    if (compareQuantities(req, lim) !== 0) return 'Burstable';
    const none = req.sign === 0;
    const cls: QosClass = none ? 'BestEffort' : 'Guaranteed';
    if (seen !== undefined && seen !== cls) return 'Burstable';
    seen = cls;
  }
  return seen ?? 'BestEffort';
}

/**
 * QoS of a pod as the kubelet computes it: pod-level resources decide when present; otherwise
 * every init and app container must agree on Guaranteed or BestEffort, and any mix is Burstable.
 * Requests are defaulted from limits first, as the API server would have done.
 */
export function qosClass(spec: PodSpec): QosClass {
  if (spec.resources !== undefined) return requirementsQos(defaultedResources(spec.resources));
  let pod: QosClass | undefined;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const cls = requirementsQos(defaultedResources(c.resources));
    if (cls === 'Burstable') return cls;
    if (pod !== undefined && pod !== cls) return 'Burstable';
    pod = cls;
  }
  return pod ?? 'BestEffort';
}
