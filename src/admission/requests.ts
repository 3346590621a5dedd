/**
 * What a pod asks of the node, computed the way the scheduler and the kubelet's admission do
 * (component-helpers' PodRequests): the larger of what init containers need while they run and
 * what the app containers plus sidecars need together. Pod overhead is ignored: it only exists
 * through a RuntimeClass, which a standalone node does not have.
 */
import type { Container, PodSpec } from '../api/generated/core-v1.js';
import { defaultedResources, isSidecar } from '../status/spec.js';
import { addInto, amountsOf, maxInto, CPU, MEMORY, type Amounts } from './amounts.js';

function requestsOf(c: Container): Amounts {
  // A limit without a request is the request too (API defaulting, not applied to manifests).
  return amountsOf(defaultedResources(c.resources).requests);
}

export function podRequests(spec: PodSpec): Amounts {
  return podSum(spec, requestsOf, amountsOf(defaultedResources(spec.resources).requests));
}

/**
 * What a pod may use at most, as kubectl describe node sums it (PodRequestsAndLimits): app
 * containers and sidecars added up, or the largest init container if that is more; resources
 * without a limit are left out (unbounded).
 */
export function podLimits(spec: PodSpec): Amounts {
  return podSum(spec, (c) => amountsOf(c.resources?.limits), amountsOf(spec.resources?.limits));
}

/**
 * The sum both share: app containers plus sidecars, or the peak while init containers run if
 * that is more; pod-level amounts, where given, replace the container sum for cpu and memory.
 */
function podSum(spec: PodSpec, of: (c: Container) => Amounts, podLevel: Amounts): Amounts {
  const total: Amounts = {};
  for (const c of spec.containers) addInto(total, of(c));
  // Sidecars started so far keep running beside every later init container and the app.
  const sidecars: Amounts = {};
  const initPeak: Amounts = {};
  for (const c of spec.initContainers ?? []) {
    const own = of(c);
    if (isSidecar(c)) {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const during: Amounts = { ...own };
      addInto(during, sidecars);
      maxInto(initPeak, during);
    }
  }
  maxInto(total, initPeak);
  for (const name of [CPU, MEMORY]) if (podLevel[name] !== undefined) total[name] = podLevel[name]!;
  return total;
}
