/**
 * Label and annotation keys on CRI sandboxes and containers. The io.kubernetes.* keys are the
 * kubelet's, so crictl users, log shippers and monitoring that key on them see familiar metadata;
 * the staticlet keys let a restarted supervisor find everything it owns and nothing else.
 */
import type { Labels } from './types.js';

// Labels (selectable with ListPodSandbox/ListContainers label selectors).
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
/** Set on every object staticlet creates; value MANAGED_BY_VALUE. */
export const MANAGED_BY_LABEL = 'io.staticlet.managed-by';
export const MANAGED_BY_VALUE = 'staticlet';

// Annotations (not selectable; carry state the kubelet needs back after a restart).
export const CONTAINER_HASH_ANNOTATION = 'io.kubernetes.container.hash';
export const CONTAINER_RESTART_COUNT_ANNOTATION = 'io.kubernetes.container.restartCount';
export const CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION = 'io.kubernetes.container.terminationMessagePath';
export const CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION = 'io.kubernetes.container.terminationMessagePolicy';
export const CONTAINER_PRESTOP_HANDLER_ANNOTATION = 'io.kubernetes.container.preStopHandler';
export const CONTAINER_PORTS_ANNOTATION = 'io.kubernetes.container.ports';
export const POD_TERMINATION_GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';
export const POD_DELETION_GRACE_PERIOD_ANNOTATION = 'io.kubernetes.pod.deletionGracePeriod';

export interface PodIdentity {
  name: string;
  namespace: string;
  uid: string;
}

/** Sandbox labels: the pod's own labels plus the identity keys (identity wins on conflicts). */
export function sandboxLabels(pod: PodIdentity, podLabels: Labels = {}): Labels {
  return {
    ...podLabels,
    [POD_NAME_LABEL]: pod.name,
    [POD_NAMESPACE_LABEL]: pod.namespace,
    [POD_UID_LABEL]: pod.uid,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  };
}

/** Container labels: only identity keys; pod labels stay on the sandbox, as with the kubelet. */
export function containerLabels(pod: PodIdentity, containerName: string): Labels {
  return {
    [POD_NAME_LABEL]: pod.name,
    [POD_NAMESPACE_LABEL]: pod.namespace,
    [POD_UID_LABEL]: pod.uid,
    [CONTAINER_NAME_LABEL]: containerName,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  };
}

export interface ContainerAnnotationValues {
  /** Hash of the container spec; a change means the container must be recreated. */
  hash: string;
  restartCount: number;
  terminationGracePeriodSeconds?: number;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  /** JSON of the container's ports / preStop handler, as the kubelet stores them. */
  portsJson?: string;
  preStopHandlerJson?: string;
}

export function containerAnnotations(v: ContainerAnnotationValues, extra: Labels = {}): Labels {
  const a: Labels = {
    ...extra,
    [CONTAINER_HASH_ANNOTATION]: v.hash,
    [CONTAINER_RESTART_COUNT_ANNOTATION]: String(v.restartCount),
  };
  if (v.terminationGracePeriodSeconds !== undefined) {
    a[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] = String(v.terminationGracePeriodSeconds);
  }
  if (v.terminationMessagePath !== undefined) a[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION] = v.terminationMessagePath;
  if (v.terminationMessagePolicy !== undefined) a[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION] = v.terminationMessagePolicy;
  if (v.portsJson !== undefined) a[CONTAINER_PORTS_ANNOTATION] = v.portsJson;
  if (v.preStopHandlerJson !== undefined) a[CONTAINER_PRESTOP_HANDLER_ANNOTATION] = v.preStopHandlerJson;
  return a;
}

/** Reads back what containerAnnotations wrote; missing or malformed numbers come back undefined. */
export function parseContainerAnnotations(a: Labels): Partial<ContainerAnnotationValues> {
  const int = (s: string | undefined): number | undefined => {
    if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
    return Number(s);
  };
  const out: Partial<ContainerAnnotationValues> = {};
  if (a[CONTAINER_HASH_ANNOTATION] !== undefined) out.hash = a[CONTAINER_HASH_ANNOTATION];
  const rc = int(a[CONTAINER_RESTART_COUNT_ANNOTATION]);
  if (rc !== undefined) out.restartCount = rc;
  const grace = int(a[POD_TERMINATION_GRACE_PERIOD_ANNOTATION]);
  if (grace !== undefined) out.terminationGracePeriodSeconds = grace;
  if (a[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION] !== undefined) out.terminationMessagePath = a[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION];
  if (a[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION] !== undefined) out.terminationMessagePolicy = a[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION];
  if (a[CONTAINER_PORTS_ANNOTATION] !== undefined) out.portsJson = a[CONTAINER_PORTS_ANNOTATION];
  if (a[CONTAINER_PRESTOP_HANDLER_ANNOTATION] !== undefined) out.preStopHandlerJson = a[CONTAINER_PRESTOP_HANDLER_ANNOTATION];
  return out;
}

/** Selector for everything staticlet created on this runtime. */
export function managedSelector(extra: Labels = {}): Labels {
  return { ...extra, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}
