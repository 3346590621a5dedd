import type { Pod, Quantity as QuantityText, ResourceRequirements } from '../api/generated/core-v1.js';
import { compareQuantities, parseQuantity } from '../validation/quantity.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

function positive(q: QuantityText | undefined): boolean {
  const v = q === undefined ? undefined : parseQuantity(q);
  return v !== undefined && v.sign > 0;
}

function equal(a: QuantityText, b: QuantityText): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined && compareQuantities(x, y) === 0;
}

/**
 * status.qosClass when the status manager set it, else the kubelet's rule (ComputePodQOS):
 * BestEffort without any cpu/memory request or limit; Guaranteed when every container limits
 * both and each request equals its limit. Requests missing next to a limit count as equal, as
 * the API server defaults them to the limit. Pod-level resources, when set, decide alone.
 */
export function podQOSClass(pod: Pod): QOSClass {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const podLevel = pod.spec?.resources;
  const units: ResourceRequirements[] =
    podLevel && (Object.keys(podLevel.requests ?? {}).length || Object.keys(podLevel.limits ?? {}).length)
      ? [podLevel]
      : [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.resources ?? {});
  let any = false;
  let guaranteed = true;
  for (const r of units) {
    for (const name of QOS_RESOURCES) {
      const request = r.requests?.[name];
      const limit = r.limits?.[name];
      if (positive(request) || positive(limit)) any = true;
      if (!positive(limit)) guaranteed = false;
      else if (positive(request) && !equal(request!, limit!)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
