/**
 * The pod core's only door to an API server. Standalone (no --kubeconfig) gets a no-op and this
 * file is all that loads: the real control plane and @kubernetes/client-node come in through a
 * dynamic import, so a node without a cluster starts no timers and parses no client code.
 */
import type { NodeResources } from '../admission/index.js';
import type { Settings } from '../config/settings.js';
import type { Logger } from '../logging/logger.js';
import type { NodeJson, NodePressure } from '../node/node-object.js';
import type { RuntimeClient } from '../runtime/index.js';
import type { Pod } from '../api/generated/core-v1.js';
import type { SchemaSink } from '../config/schema-provider.js';
import type { EventFeed, EventRecorder } from '../events/types.js';

export interface CertificateState {
  state: 'requesting' | 'pending' | 'denied' | 'failed' | 'issued';
  csr?: string;
  notAfter?: string;
  error?: string;
  since?: string;
}

/** A certificate (leaf first, then any intermediates) and its private key, PEM. */
export interface ServingPairPem {
  cert: string;
  key: string;
}

/**
 * The node API's serving certificate as the cluster issues it (serverTLSBootstrap): the pair in
 * use, if one was issued yet, and a notice for each new one (issued or rotated). The node API
 * swaps its TLS context on each; it never waits for one.
 */
export interface ServingCertificateSource {
  current(): ServingPairPem | undefined;
  /** Called with each new pair; returns the unsubscribe function. */
  subscribe(listener: (pair: ServingPairPem) => void): () => void;
}

/** What `staticlet node` shows of the API-server side. */
export interface ControlPlaneView {
  mode: 'standalone' | 'api-server';
  server?: string;
  /** 'registered', or why not yet. */
  registration?: { registered: boolean; error?: string; since?: string };
  lease?: { lastRenewal?: string; error?: string };
  status?: { lastPatch?: string; lastResult?: string; ready?: boolean };
  /**
   * The client certificate from TLS bootstrap (--bootstrap-kubeconfig); absent without it.
   * state: 'requesting' (creating the key/CSR), 'pending' (waiting for approval), 'denied',
   * 'failed' (signer or API error), 'issued' (in use).
   */
  certificate?: CertificateState;
  /** The node API's serving certificate from the cluster (serverTLSBootstrap); absent without it. Same states. */
  servingCertificate?: CertificateState;
  /** Mirror pods this node keeps on the API server; `rejected`: static pods the server refuses one for. */
  mirrorPods?: { count: number; rejected: Array<{ pod: string; reason: string }> };
  /**
   * Events posted as core/v1 Events: created, patched (repeats), waiting, and the ones lost to a
   * full queue (an outage), to the spam filter, or refused by the server.
   */
  events?: { posted: number; patched: number; queued: number; dropped: number; spamFiltered: number; refused: number };
}

/** A user as the API server's TokenReview names it (and a SubjectAccessReview asks about). */
export interface ReviewUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** A resource request's attributes, as SubjectAccessReview's resourceAttributes carry them. */
export interface AccessAttributes {
  user: ReviewUser;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export type TokenReviewResult = { authenticated: true; user: ReviewUser } | { authenticated: false; error?: string };
export type AccessReviewResult = { allowed: boolean; reason?: string };

/**
 * The node API's questions to the API server (TokenReview, SubjectAccessReview). They belong
 * here, with every other API call; the node API caches the answers. A failed call rejects.
 */
export interface Reviewer {
  reviewToken(token: string): Promise<TokenReviewResult>;
  authorize(attributes: AccessAttributes): Promise<AccessReviewResult>;
}

export interface ControlPlane {
  /** Starts the background loops; never waits for the API server. */
  start(): Promise<void>;
  stop(): Promise<void>;
  view(): ControlPlaneView;
  /** The Node as last read from or written to the API server (`staticlet node` computes over it). */
  node?(): NodeJson | undefined;
  /** The reviewer for the node API, once the API clients exist; absent standalone. */
  reviewer?(): Reviewer | undefined;
  /** The serving certificate source with serverTLSBootstrap (and no tlsCertFile); absent otherwise. */
  servingCertificates?(): ServingCertificateSource | undefined;
  /** Records an event on the Node (ImageGCFailed from housekeeping). */
  nodeEvent?(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ControlPlaneDeps {
  settings: Settings;
  logger: Logger;
  runtime: RuntimeClient;
  /** The figures admission uses: capacity and allocatable come from one computation. */
  resources: NodeResources;
  /** The static pods with their current status, as the pod manager has them. */
  pods: StaticPods;
  /** The pod event log: a refused mirror pod is a Warning on its static pod. */
  events: EventRecorder;
  /** Where the cluster's own Pod schema goes once fetched (manifests are validated with it). */
  schema?: SchemaSink;
  /** Every recorded pod event, posted to the API server as a core/v1 Event (absent: none are). */
  eventFeed?: EventFeed;
  /** The pressure conditions the core measures (housekeeping/); absent: none. */
  pressure?: () => NodePressure;
}

/**
 * What the control plane sees of the pod core: the static pods (terminating ones too, with a
 * deletionTimestamp) and their status, a notice when one is added, removed or its status
 * changes, and whether a pod of a full name (`namespace/name`) is still being torn down.
 */
export interface StaticPods {
  list(): Pod[];
  /** Called with the pod's UID; returns the unsubscribe function. */
  onChange(listener: (uid: string) => void): () => void;
  terminating(fullName: string): boolean;
}

const STANDALONE: ControlPlane = {
  start: async () => undefined,
  stop: async () => undefined,
  view: () => ({ mode: 'standalone' }),
};

export async function createControlPlane(deps: ControlPlaneDeps): Promise<ControlPlane> {
  // --bootstrap-kubeconfig needs --kubeconfig (settings refuse it alone): either means an API server.
  if (!deps.settings.kubeconfig && !deps.settings.bootstrapKubeconfig) return STANDALONE;
  const { ApiServerControlPlane } = await import('./controller.js');
  return new ApiServerControlPlane(deps);
}
