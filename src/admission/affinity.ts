/**
 * The kubelet's NodeAffinity admission check: a pod's nodeSelector and its required node
 * affinity must match this node's labels (and name, for matchFields). Preferred affinity, pod
 * (anti-)affinity and topology spread are the scheduler's business and mean nothing here.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from '../api/generated/core-v1.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const NODE_AFFINITY_MESSAGE = `Predicate ${NODE_AFFINITY} failed: node(s) didn't match Pod's node affinity/selector`;

export { nodeLabels } from '../node/labels.js';

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      // Both sides must be integers; anything else does not match, as in Kubernetes.
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const [have, want] = [BigInt(value), BigInt(values[0]!)];
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** A term matches when all its requirements do; an empty term matches nothing. */
function termMatches(t: NodeSelectorTerm, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => requirementMatches(r, labels[r.key])) &&
    fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? nodeName : undefined))
  );
}

export function matchesNode(spec: PodSpec, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  // Terms are ORed.
  return !required || required.nodeSelectorTerms.some((t) => termMatches(t, labels, nodeName));
}
