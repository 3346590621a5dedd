/**
 * The Node as the kubelet builds it (initialNode + the status setters), as plain JSON: what is
 * sent and what is diffed are the same bytes, with times in RFC 3339 seconds as the server
 * stores them.
 */
import { isDeepStrictEqual } from 'node:util';
import { formatAmounts, type NodeResources } from '../admission/index.js';
import type { Settings, Taint } from '../config/settings.js';
import { nodeLabels } from './labels.js';
import type { MachineInfo } from './machine.js';
import type { Image, RuntimeClient, RuntimeStatus, RuntimeVersion } from '../runtime/index.js';
import { kubeletVersion } from './version.js';

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeStatusJson {
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  conditions?: NodeCondition[];
  addresses?: Array<{ type: string; address: string }>;
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: Record<string, string>;
  images?: Array<{ names: string[]; sizeBytes: number }>;
  [field: string]: unknown;
}

export interface NodeJson {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec?: { taints?: Taint[]; [field: string]: unknown };
  status?: NodeStatusJson;
}

/** What does not change while staticlet runs. */
export interface NodeFacts {
  nodeName: string;
  nodeIP: string;
  port: number;
  /** nodeLabels(): the kubelet's defaults, then --node-labels. */
  labels: Record<string, string>;
  taints: Taint[];
  machine: MachineInfo;
  resources: NodeResources;
  /** nodeStatusMaxImages: -1 all, 0 none. */
  maxImages: number;
}

/** What the runtime said in the last probe; an Error when it did not answer. */
export interface RuntimeFacts {
  version?: RuntimeVersion;
  status: RuntimeStatus | Error;
  images?: Image[];
  /** The pressure monitor's conditions (housekeeping/); absent: no pressure known. */
  pressure?: NodePressure;
}

/** Which pressure conditions are True; the core measures, the status setters report. */
export interface NodePressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

export const ATTACH_DETACH_ANNOTATION = 'volumes.kubernetes.io/controller-managed-attach-detach';
/** Labels whose value the kubelet forces on an existing Node (updateDefaultLabels). */
const DEFAULT_LABELS = ['kubernetes.io/hostname', 'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch'];
const MAX_NAMES_PER_IMAGE = 5;

/** RFC 3339 with seconds, the precision metav1.Time has on the wire. */
export function wireTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function initialNode(f: NodeFacts, rt: RuntimeFacts, nowMs: number): NodeJson {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.nodeName, labels: { ...f.labels }, annotations: { [ATTACH_DETACH_ANNOTATION]: 'true' } },
    spec: f.taints.length > 0 ? { taints: f.taints.map((t) => ({ ...t })) } : {},
    status: nodeStatus(f, rt, undefined, nowMs),
  };
}

/**
 * The kubelet's runtime error text for Ready=False: base runtime first, then network (its
 * runtimeState errors, joined), each condition in CRI's own fields.
 */
export function runtimeErrors(status: RuntimeStatus | Error): string[] {
  if (status instanceof Error) return [`container runtime is down: ${status.message}`];
  const errs: string[] = [];
  const cond = (type: string) => status.conditions.find((c) => c.type === type);
  const describe = (type: string) => {
    const c = cond(type);
    return c ? `${type}=${c.status} reason:${c.reason} message:${c.message}` : `${type} missing`;
  };
  if (!cond('RuntimeReady')?.status) errs.push(`container runtime not ready: ${describe('RuntimeReady')}`);
  if (!cond('NetworkReady')?.status) errs.push(`container runtime network not ready: ${describe('NetworkReady')}`);
  return errs;
}

function setCondition(prev: NodeCondition[] | undefined, next: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>, now: string): NodeCondition {
  const old = prev?.find((c) => c.type === next.type);
  // lastTransitionTime moves only when the status does; the heartbeat on every computation.
  const transition = old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { ...next, lastHeartbeatTime: now, lastTransitionTime: transition };
}

export function nodeImages(images: readonly Image[], max: number): Array<{ names: string[]; sizeBytes: number }> {
  const sorted = [...images].sort((a, b) => b.size - a.size);
  const capped = max < 0 ? sorted : sorted.slice(0, max);
  return capped
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.size }))
    .filter((i) => i.names.length > 0);
}

/**
 * The status setters over `previous` (fields staticlet does not set are kept, as the kubelet
 * keeps what it does not own).
 */
/**
 * The Node's status.addresses: the node IP and the node name. The serving certificate
 * (serverTLSBootstrap) is requested for these same addresses, as the kubelet's is.
 */
export function nodeAddresses(f: Pick<NodeFacts, 'nodeIP' | 'nodeName'>): Array<{ type: string; address: string }> {
  return [
    { type: 'InternalIP', address: f.nodeIP },
    { type: 'Hostname', address: f.nodeName },
  ];
}

export function nodeStatus(f: NodeFacts, rt: RuntimeFacts, previous: NodeStatusJson | undefined, nowMs: number): NodeStatusJson {
  const now = wireTime(nowMs);
  const prev = previous?.conditions;
  const errors = runtimeErrors(rt.status);
  const runtimeVersion = rt.version ? `${rt.version.runtimeName || 'containerd'}://${rt.version.runtimeVersion || 'Unknown'}` : 'containerd://Unknown';
  return {
    ...previous,
    capacity: formatAmounts(f.resources.capacity),
    allocatable: formatAmounts(f.resources.allocatable),
    conditions: [
      setCondition(
        prev,
        rt.pressure?.memory
          ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
          : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
        now,
      ),
      setCondition(
        prev,
        rt.pressure?.disk
          ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
          : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
        now,
      ),
      setCondition(
        prev,
        rt.pressure?.pid
          ? { type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' }
          : { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
        now,
      ),
      // Ready stays last: clients that read the last condition expect it there.
      setCondition(
        prev,
        errors.length === 0
          ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
          : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: errors.join(', ') },
        now,
      ),
    ],
    addresses: nodeAddresses(f),
    daemonEndpoints: { kubeletEndpoint: { Port: f.port } },
    nodeInfo: {
      machineID: f.machine.machineID,
      systemUUID: f.machine.systemUUID,
      bootID: f.machine.bootID,
      kernelVersion: f.machine.kernelVersion,
      osImage: f.machine.osImage,
      containerRuntimeVersion: runtimeVersion,
      kubeletVersion: kubeletVersion(),
      kubeProxyVersion: '',
      operatingSystem: f.machine.operatingSystem,
      architecture: f.machine.architecture,
    },
    // A failed image list keeps what was reported (the image manager's cache, in the kubelet).
    ...(rt.images ? { images: nodeImages(rt.images, f.maxImages) } : previous?.images ? {} : { images: [] }),
  };
}

function withoutHeartbeats(s: NodeStatusJson): NodeStatusJson {
  const conditions = [...(s.conditions ?? [])].map(({ lastHeartbeatTime: _, ...c }) => c).sort((a, b) => a.type.localeCompare(b.type));
  return { ...s, conditions };
}

/** The kubelet's nodeStatusHasChanged: conditions by type with heartbeats ignored, the rest exactly. */
export function statusChanged(a: NodeStatusJson | undefined, b: NodeStatusJson): boolean {
  if (!a) return true;
  return !isDeepStrictEqual(JSON.parse(JSON.stringify(withoutHeartbeats(a))), JSON.parse(JSON.stringify(withoutHeartbeats(b))));
}

/**
 * An existing Node adopted at registration: default labels and the attach-detach annotation
 * made what a new Node would have (updateDefaultLabels, the CMAD reconcile). Undefined when
 * nothing differs.
 */
export function reconcileExisting(existing: NodeJson, wanted: NodeJson): NodeJson | undefined {
  const labels = { ...existing.metadata.labels };
  const annotations = { ...existing.metadata.annotations };
  let changed = false;
  for (const k of DEFAULT_LABELS) {
    const v = wanted.metadata.labels?.[k];
    if (v !== undefined && labels[k] !== v) {
      labels[k] = v;
      changed = true;
    }
  }
  const cmad = wanted.metadata.annotations?.[ATTACH_DETACH_ANNOTATION];
  if (cmad !== undefined && annotations[ATTACH_DETACH_ANNOTATION] !== cmad) {
    annotations[ATTACH_DETACH_ANNOTATION] = cmad;
    changed = true;
  }
  if (!changed) return undefined;
  return { ...existing, metadata: { ...existing.metadata, labels, annotations } };
}

/** Every status update also forces kubernetes.io/os and /arch back (the kubelet's updateNode). */
export function withRequiredLabels(node: NodeJson, facts: NodeFacts): NodeJson {
  const labels = { ...node.metadata.labels };
  for (const k of ['kubernetes.io/os', 'kubernetes.io/arch']) {
    const v = facts.labels[k];
    if (v !== undefined) labels[k] = v;
  }
  return { ...node, metadata: { ...node.metadata, labels } };
}

/** The JSON form of a client-node object, with condition times in wire precision for diffing. */
export function toJson<T>(obj: T): NodeJson {
  const json = JSON.parse(JSON.stringify(obj)) as NodeJson;
  for (const c of json.status?.conditions ?? []) {
    for (const k of ['lastHeartbeatTime', 'lastTransitionTime'] as const) {
      const v = c[k];
      if (v) c[k] = wireTime(Date.parse(v));
    }
  }
  return json;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** The facts of this node from its settings, machine and resources (the control plane and `staticlet node` alike). */
export function nodeFacts(s: Pick<Settings, 'nodeName' | 'nodeIP' | 'port' | 'nodeLabels' | 'registerWithTaints' | 'nodeStatusMaxImages'>, machine: MachineInfo, resources: NodeResources): NodeFacts {
  return {
    nodeName: s.nodeName,
    nodeIP: s.nodeIP,
    port: s.port,
    labels: nodeLabels(s.nodeName, s.nodeLabels),
    taints: s.registerWithTaints,
    machine,
    resources,
    maxImages: s.nodeStatusMaxImages,
  };
}

/** The runtime as the status setters see it: version, status conditions, images; never throws. */
export async function probeRuntime(rt: RuntimeClient, timeoutMs = 5_000): Promise<RuntimeFacts> {
  const opts = { timeoutMs };
  const [version, status, images] = await Promise.all([
    rt.version(opts).catch(() => undefined),
    rt.status(false, opts).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
    rt.listImages(undefined, opts).catch(() => undefined),
  ]);
  return { ...(version ? { version } : {}), status, ...(images ? { images } : {}) };
}

/**
 * The Node as staticlet computes it now: over `base` (the Node the API server holds, or the
 * last computed one) when there is one, so transition times carry over; else a new Node.
 */
export function computeNode(f: NodeFacts, rt: RuntimeFacts, base: NodeJson | undefined, nowMs: number): NodeJson {
  if (!base) return initialNode(f, rt, nowMs);
  return withRequiredLabels({ ...base, status: nodeStatus(f, rt, base.status, nowMs) }, f);
}
