import type { Pod } from '../api/generated/core-v1.js';
import type { PodEvent } from '../events/types.js';
import type { NodeAdmissionSummary } from '../admission/index.js';

/** A manifest staticlet refused, as operators see it. */
export interface RejectionView {
  source: string;
  errors: string[];
  since: string;
  /** Full names (namespace/name) of pods of this manifest's last good version still running. */
  keptPods: string[];
}

/** What the local status socket (and later the node API) serves; implemented by the supervisor. */
export interface StatusProvider {
  /** Desired pods with their current status, plus pods still terminating. */
  listPods(): Pod[];
  getPod(namespace: string, name: string): Pod | undefined;
  /** Events for a pod UID, oldest first. */
  events(uid: string): PodEvent[];
  rejections(): RejectionView[];
  /** Node capacity, allocatable and admitted requests; undefined until known (runtime not up). */
  node?(): NodeAdmissionSummary | undefined;
  /** Where the runtime writes the pod's container logs (`staticlet logs` reads them there). */
  podLogDirectory?(pod: Pod): string | undefined;
}
