/**
 * Whether a pod fits beside the pods already admitted: the checks of the kubelet's admission
 * that apply to a standalone node, in its order (resources — pods, cpu, memory,
 * ephemeral-storage — then host ports), with its reasons and messages. Only the first failure
 * is reported, as the kubelet does.
 */
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS, type Amounts } from './amounts.js';
import { portsClash, type HostPort } from './ports.js';

export interface PodDemand {
  requests: Amounts;
  ports: HostPort[];
}

export interface FitFailure {
  /** OutOfpods, OutOfcpu, OutOfmemory, OutOfephemeral-storage or NodePorts. */
  reason: string;
  message: string;
}

/** The scheduler plugin the kubelet names in a host port refusal. */
export const NODE_PORTS = 'NodePorts';
const NODE_PORTS_DESC = "node(s) didn't have free ports for the requested pod ports";

const CHECKED: readonly string[] = [CPU, MEMORY, EPHEMERAL_STORAGE];

function insufficient(resource: string, requested: bigint, used: bigint, capacity: bigint): FitFailure {
  return {
    reason: `OutOf${resource}`,
    message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}`,
  };
}

/** Total requests of a set of pods. */
export function requestedBy(pods: Iterable<PodDemand>): Amounts {
  const out: Amounts = {};
  for (const p of pods) for (const [name, v] of Object.entries(p.requests)) out[name] = (out[name] ?? 0n) + v;
  return out;
}

/**
 * Checks `pod` against `allocatable` and the pods in `admitted`. A resource the node does not
 * report (ephemeral-storage when the root filesystem could not be read) is not checked, as the
 * kubelet ignores resources missing from the node.
 */
export function checkFit(pod: PodDemand, allocatable: Amounts, admitted: readonly PodDemand[]): FitFailure | undefined {
  const maxPods = allocatable[PODS];
  if (maxPods !== undefined && BigInt(admitted.length) + 1n > maxPods) return insufficient(PODS, 1n, BigInt(admitted.length), maxPods);
  const used = requestedBy(admitted);
  for (const name of CHECKED) {
    const want = pod.requests[name] ?? 0n;
    const have = allocatable[name];
    if (want <= 0n || have === undefined) continue;
    const inUse = used[name] ?? 0n;
    if (want > have - inUse) return insufficient(name, want, inUse, have);
  }
  for (const want of pod.ports) {
    if (admitted.some((other) => other.ports.some((p) => portsClash(want, p)))) {
      return { reason: NODE_PORTS, message: `Predicate ${NODE_PORTS} failed: ${NODE_PORTS_DESC}` };
    }
  }
  return undefined;
}
