/** Questions about the desired pod that several status computations ask. */
import type { Container, Pod, PodSpec, Quantity, ResourceRequirements } from '../api/generated/core-v1.js';

/** An init container with restartPolicy Always runs beside the app containers (a sidecar). */
export function isSidecar(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/** The pod's restart policy as the API server would default it. */
export function podRestartPolicy(spec: PodSpec): 'Always' | 'OnFailure' | 'Never' {
  return spec.restartPolicy ?? 'Always';
}

/**
 * Whether a container that has exited with this code will be started again. A container-level
 * policy (only sidecars may have one) wins over the pod's; plain init containers that succeeded
 * are never rerun, whatever the pod policy says.
 */
export function restartsAfterExit(container: Container, spec: PodSpec, exitCode: number, isInit: boolean): boolean {
  if (isInit && isSidecar(container)) return true;
  if (isInit && exitCode === 0) return false;
  switch (podRestartPolicy(spec)) {
    case 'Always':
      return true;
    case 'OnFailure':
      return exitCode !== 0;
    case 'Never':
      return false;
  }
}

/**
 * The kubelet's "should this container be (re)started on the next sync" for the newest runtime
 * instance's state. Waiting verdicts only replace a container's state when this holds, so a
 * stale verdict cannot hide a running container or one that finished for good.
 */
export function shouldContainerBeRestarted(
  container: Container,
  pod: Pod,
  newest: { state: 'created' | 'running' | 'exited' | 'unknown'; exitCode: number } | undefined,
  isInit: boolean,
): boolean {
  // A pod being deleted is only torn down.
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  if (newest === undefined) return true;
  if (newest.state === 'running') return false;
  if (newest.state === 'unknown' || newest.state === 'created') return true;
  return restartsAfterExit(container, pod.spec ?? { containers: [] }, newest.exitCode, isInit);
}

/**
 * Resource requirements after API defaulting: a limit without a request makes the request equal
 * to the limit. Manifests are not defaulted on load, but QoS and allocated resources must see
 * what the API server would have stored.
 */
export function defaultedResources(r: ResourceRequirements | undefined): ResourceRequirements {
  if (r === undefined) return {};
  const out: ResourceRequirements = {};
  if (r.claims !== undefined) out.claims = r.claims.map((c) => ({ ...c }));
  if (r.limits !== undefined) out.limits = { ...r.limits };
  const requests: Record<string, Quantity> = { ...(r.requests ?? {}) };
  for (const [name, q] of Object.entries(r.limits ?? {})) {
    if (!(name in requests)) requests[name] = q;
  }
  if (r.requests !== undefined || Object.keys(requests).length > 0) out.requests = requests;
  return out;
}
