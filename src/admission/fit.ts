/**
 * Whether a pod fits beside the pods already admitted: the checks of the kubelet's admission
 * that apply to a standalone node, in its order (resources — pods, cpu, memory,
 * ephemeral-storage — then node affinity, then host ports), with its reasons and messages.
 * Only the first failure is reported, as the kubelet does.
 */
import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS, type Amounts } from './amounts.js';
import { NODE_AFFINITY, NODE_AFFINITY_MESSAGE } from './affinity.js';
import { portsClash, type HostPort } from './ports.js';

export interface PodDemand {
  requests: Amounts;
  ports: HostPort[];
  /** nodeSelector and required node affinity match this node (absent: not checked). */
  matchesNode?: boolean;
}

export interface FitFailure {
  /** OutOfpods, OutOfcpu, OutOfmemory, OutOfephemeral-storage, NodeAffinity or NodePorts. */
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

/** What admitted pods hold on the node, kept as running totals. */
export interface NodeUsage {
  pods: number;
  requests: Amounts;
  ports: HostPort[];
}

export function emptyUsage(): NodeUsage {
  return { pods: 0, requests: {}, ports: [] };
}

/** Adds one pod to `usage` in place. */
export function addUsage(usage: NodeUsage, pod: PodDemand): void {
  usage.pods++;
  for (const [name, v] of Object.entries(pod.requests)) usage.requests[name] = (usage.requests[name] ?? 0n) + v;
  usage.ports.push(...pod.ports);
}

/** Total requests of a set of pods. */
export function requestedBy(pods: Iterable<PodDemand>): Amounts {
  const usage = emptyUsage();
  for (const p of pods) addUsage(usage, p);
  return usage.requests;
}

/**
 * Checks `pod` against `allocatable` and what admitted pods use. A resource the node does not
 * report (ephemeral-storage when the root filesystem could not be read) is not checked, as the
 * kubelet ignores resources missing from the node.
 */
export function checkFit(pod: PodDemand, allocatable: Amounts, admitted: readonly PodDemand[] | NodeUsage): FitFailure | undefined {
  let usage: NodeUsage;
  if (Array.isArray(admitted)) {
    usage = emptyUsage();
    for (const p of admitted) addUsage(usage, p);
  } else usage = admitted as NodeUsage;
  const maxPods = allocatable[PODS];
  if (maxPods !== undefined && BigInt(usage.pods) + 1n > maxPods) return insufficient(PODS, 1n, BigInt(usage.pods), maxPods);
  for (const name of CHECKED) {
    const want = pod.requests[name] ?? 0n;
    const have = allocatable[name];
    if (want <= 0n || have === undefined) continue;
    const inUse = usage.requests[name] ?? 0n;
    if (want > have - inUse) return insufficient(name, want, inUse, have);
  }
  if (pod.matchesNode === false) return { reason: NODE_AFFINITY, message: NODE_AFFINITY_MESSAGE };
  for (const want of pod.ports) {
    if (usage.ports.some((p) => portsClash(want, p))) {
      return { reason: NODE_PORTS, message: `Predicate ${NODE_PORTS} failed: ${NODE_PORTS_DESC}` };
    }
  }
  return undefined;
}
