/** Pod status computation: what the kubelet would publish for a pod, from one observation. */
export type { PodObservation, WaitingNote, PodTerminalNote, ProbeVerdicts } from './types.js';
export { computePodStatus, DEFAULT_RUNTIME_NAME, type ComputeOptions } from './pod-status.js';
export { computePhase, type PodPhase } from './phase.js';
export { qosClass, type QosClass } from './qos.js';
export { isSidecar, podRestartPolicy, restartsAfterExit, shouldContainerBeRestarted, defaultedResources } from './spec.js';
export { containerNameOf, restartCountOf, groupInstances, compareNewestFirst } from './instances.js';
export {
  podIsInitialized,
  hasAnyAppContainerStarted,
  KUBELET_CONDITION_TYPES,
  POD_READY_TO_START_CONTAINERS,
  POD_INITIALIZED,
  POD_READY,
  CONTAINERS_READY,
  POD_SCHEDULED,
} from './conditions.js';
export { CONTAINER_CREATING, POD_INITIALIZING, CONTAINER_STATUS_UNKNOWN } from './containers.js';
export { formatTime } from './time.js';
