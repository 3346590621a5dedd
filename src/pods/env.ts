/**
 * A container's environment as the kubelet builds it: `env` in order, each `value` expanded
 * against the variables defined before it, `valueFrom` resolved from the pod, the node and the
 * resources. Kubernetes service variables (enableServiceLinks) are not injected: a standalone
 * node has no Services to describe.
 */
import type { Container, EnvVar, Pod, Quantity as QuantityText, ResourceFieldSelector } from '../api/generated/core-v1.js';
import type { KeyValue } from '../runtime/index.js';
import { ContainerConfigError } from './config-error.js';
import { fieldRefValue, resourceFieldValue as downwardResourceValue } from '../volumes/downward-api.js';

export interface EnvInput {
  pod: Pod;
  container: Container;
  nodeName: string;
  /** The node's IPs, primary first (status.hostIP / status.hostIPs). */
  hostIPs: readonly string[];
  /** The pod's IPs, primary first; the host's for host-network pods. */
  podIPs: readonly string[];
  /** Node allocatable, the fallback for unset cpu/memory/ephemeral-storage limits. */
  allocatable: Record<string, QuantityText>;
}

/**
 * `$(NAME)` → the value `lookup` gives, left verbatim when it gives none; `$$` → `$`, so
 * `$$(NAME)` yields a literal `$(NAME)`; any other `$` is kept.
 */
export function expand(text: string, lookup: (name: string) => string | undefined): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '$' || i + 1 === text.length) {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1]!;
    if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
        continue;
      }
      const name = text.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close + 1;
      continue;
    }
    out += next === '$' ? '$' : `$${next}`;
    i += 2;
  }
  return out;
}

/** Command or args expanded against the container's whole environment. */
export function expandAll(list: readonly string[], env: readonly KeyValue[]): string[] {
  const map = new Map(env.map((e) => [e.key, e.value]));
  return list.map((s) => expand(s, (n) => map.get(n)));
}

function fieldValue(name: string, path: string, input: EnvInput): string {
  switch (path) {
    case 'spec.nodeName':
      return input.pod.spec?.nodeName || input.nodeName;
    case 'spec.serviceAccountName':
      return input.pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return input.hostIPs[0] ?? '';
    // The plural forms list every address of the family set, comma-separated.
    case 'status.hostIPs':
      return input.hostIPs.join(',');
    case 'status.podIP':
      return input.podIPs[0] ?? '';
    case 'status.podIPs':
      return input.podIPs.join(',');
    default:
      // metadata.*: the same values downwardAPI volume files carry.
      if (!path.startsWith('metadata.')) throw new ContainerConfigError(`env ${name}: unsupported fieldRef ${path}`);
      try {
        return fieldRefValue(input.pod, { fieldPath: path });
      } catch (err) {
        throw new ContainerConfigError(`env ${name}: ${(err as Error).message}`);
      }
  }
}

/**
 * A resourceFieldRef as the kubelet renders it, the same computation as for downwardAPI volume
 * files: the value divided by the divisor (default 1) and rounded up; an unset cpu, memory or
 * ephemeral-storage limit reads as the pod-level limit when there is one, else as node allocatable.
 */
export function resourceFieldValue(name: string, ref: ResourceFieldSelector, input: EnvInput): string {
  try {
    return downwardResourceValue(input.pod, { ...ref, containerName: ref.containerName || input.container.name }, input.allocatable);
  } catch (err) {
    throw new ContainerConfigError(`env ${name}: resourceFieldRef ${ref.resource}: ${(err as Error).message}`);
  }
}

function resolve(e: EnvVar, input: EnvInput, defined: ReadonlyMap<string, string>): string {
  const vf = e.valueFrom;
  if (!vf) return expand(e.value ?? '', (n) => defined.get(n));
  if (vf.fieldRef) return fieldValue(e.name, vf.fieldRef.fieldPath, input);
  if (vf.resourceFieldRef) return resourceFieldValue(e.name, vf.resourceFieldRef, input);
  // Validation refuses the other sources; this only guards a pod that skipped it.
  throw new ContainerConfigError(`env ${e.name}: only value, fieldRef and resourceFieldRef can be resolved on a standalone node`);
}

/**
 * The environment in definition order. A name defined twice keeps its first position and its
 * last value, and later definitions see the newer value, as with the kubelet's map.
 */
export function containerEnv(input: EnvInput): KeyValue[] {
  const values = new Map<string, string>();
  for (const e of input.container.env ?? []) values.set(e.name, resolve(e, input, values));
  return [...values].map(([key, value]) => ({ key, value }));
}
