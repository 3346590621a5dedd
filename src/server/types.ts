import type { HousekeepingView } from '../housekeeping/index.js';
import type { Pod } from '../api/generated/core-v1.js';
import type { PodEvent } from '../events/types.js';
import type { NodeAdmissionSummary } from '../admission/index.js';
import type { ControlPlaneView } from '../controlplane/index.js';
import type { NodeJson } from '../node/node-object.js';
import type { Summary, SummaryOptions } from '../stats/types.js';
import type { StartBreakdown } from '../pods/start-phases.js';

/** A non-terminated pod as `staticlet node` lists it. */
export interface NodePodView {
  namespace: string;
  name: string;
  requests: Record<string, string>;
  limits: Record<string, string>;
  creationTimestamp?: string;
}

/** What `/node` serves once the runtime has answered: the admission summary, the Node, its pods. */
export interface NodeDescription extends NodeAdmissionSummary {
  /** The Node as staticlet computes it now (over the API server's copy when registered). */
  node: NodeJson;
  /** Admitted pods that have not terminated. */
  pods: NodePodView[];
  /** The sum of their limits (requests are `requested`). */
  limits: Record<string, string>;
  controlPlane: ControlPlaneView;
  /** Housekeeping jobs and the pressure monitor (absent from an older server). */
  housekeeping?: HousekeepingView;
}

/** A manifest staticlet refused, as operators see it. */
export interface RejectionView {
  source: string;
  errors: string[];
  since: string;
  /** Full names (namespace/name) of pods of this manifest's last good version still running. */
  keptPods: string[];
}

/** One desired pod as the running staticlet holds it: what `staticlet plan` compares manifests with. */
export interface PlanBasisPod {
  source: { kind: 'file' | 'http'; location: string };
  uid: string;
  fullName: string;
  /** The accepted pod, static identity applied (the spec its containers' hashes were made from). */
  pod: Pod;
}

/**
 * What `staticlet plan` needs from a running staticlet to load manifests exactly as it would:
 * the node name and manifest directory (both are part of the static UID), the validation
 * settings, and the pods it currently wants.
 */
export interface PlanBasis {
  nodeName: string;
  /** The directory source's path, absolute; absent when only a URL is watched. */
  manifestPath?: string;
  maxManifestBytes: number;
  allowedUnsafeSysctls: string[];
  appArmorEnabled: boolean;
  /** 'bundled' or 'cluster': plan always validates with the bundled schema, and says so when they differ. */
  schema: string;
  pods: PlanBasisPod[];
}

/** What the local status socket (and later the node API) serves; implemented by the supervisor. */
export interface StatusProvider {
  /** Desired pods with their current status, plus pods still terminating. */
  listPods(): Pod[];
  getPod(namespace: string, name: string): Pod | undefined;
  /** Events for a pod UID, oldest first. */
  events(uid: string): PodEvent[];
  rejections(): RejectionView[];
  /** Files in manifest directories left unread as backup copies (web.yaml.bak), by path. */
  ignoredManifests?(): string[];
  /** Node capacity, allocatable and admitted requests; undefined until known (runtime not up). */
  node?(): NodeAdmissionSummary | undefined;
  /** The full node description; undefined until the runtime is up. */
  describeNode?(): Promise<NodeDescription | undefined>;
  /** Where the runtime writes the pod's container logs (`staticlet logs` reads them there). */
  podLogDirectory?(pod: Pod): string | undefined;
  /** The Summary API (`staticlet top`); undefined until the runtime is up. */
  summary?(opts: SummaryOptions): Promise<Summary | undefined>;
  /** Where the pod's last start went, phase by phase (`staticlet describe`). */
  startPhases?(uid: string): StartBreakdown | undefined;
  /** What `staticlet plan` compares manifests against. */
  planBasis?(): PlanBasis;
}
