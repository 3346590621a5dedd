// The resources the emulator serves and how each kind's storage strategy behaves: scope,
// subresources, the fields a field selector may use, create/update preparation (which parts of an
// object each endpoint may change), generation, validation and graceful deletion.
import { parseRequest } from './csr.js';
import { defaultPod, mirrorPodForbidden, podGracePeriod, qosClass, validatePod, validatePodUpdate } from './pod-rules.js';
import type { StatusCause } from './status.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject, type KubeObject, type UserInfo } from './types.js';

export interface CreateContext {
  user: UserInfo;
}

export interface ResourceDef {
  group: string;
  version: string;
  /** The plural, as in URLs. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served with get/update/patch: `status`, CSR `approval`. */
  subresources: string[];
  /** OpenAPI definition name, the root of strategic-merge metadata. */
  schemaType: string;
  /** metadata.generation is kept and bumped on spec changes. */
  generation: boolean;
  /**
   * Paths of metav1.MicroTime fields. The server decodes them with RFC 3339 and exactly six
   * fractional digits, so a millisecond timestamp (a plain JavaScript Date) does not decode.
   */
  microTimes: string[][];
  /** Field-selector fields and their values. */
  fieldSet(o: KubeObject): Record<string, string>;
  prepareForCreate(o: KubeObject, ctx: CreateContext): void;
  /** Keeps from `old` what the endpoint (main resource or a subresource) may not change. */
  prepareForUpdate(next: KubeObject, old: KubeObject, subresource: string): KubeObject;
  validate(o: KubeObject): StatusCause[];
  /** Validating admission on create: the reason the object is forbidden, if it is. */
  admitCreate(o: KubeObject): string | undefined;
  validateUpdate(next: KubeObject, old: KubeObject): StatusCause[];
  /** Grace period for a DELETE, undefined when the kind has no graceful deletion. */
  gracePeriod?(o: KubeObject, requested: number | undefined): number;
  /** Deletion waits for a finalizer the kind always has (namespaces: `kubernetes` in spec). */
  keepsOnDelete?(o: KubeObject): boolean;
  onDeleteRequested?(o: KubeObject): void;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const str = (v: Json | undefined): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function metaFields(o: KubeObject, namespaced: boolean): Record<string, string> {
  return { 'metadata.name': o.metadata.name ?? '', ...(namespaced ? { 'metadata.namespace': o.metadata.namespace ?? '' } : {}) };
}

/** Main-resource writes keep the stored status; status writes keep everything else but metadata. */
function statusSplit(next: KubeObject, old: KubeObject, subresource: string): KubeObject {
  if (subresource === 'status') {
    const out = clone(old);
    out.metadata = next.metadata;
    if (next['status'] !== undefined) out['status'] = next['status'];
    else delete out['status'];
    return out;
  }
  const out = clone(next);
  if (old['status'] !== undefined) out['status'] = clone(old['status']);
  else delete out['status'];
  return out;
}

const none = (): StatusCause[] => [];

function base(d: Pick<ResourceDef, 'group' | 'version' | 'resource' | 'singular' | 'kind' | 'namespaced' | 'schemaType'> & Partial<ResourceDef>): ResourceDef {
  return {
    shortNames: [],
    categories: [],
    verbs: VERBS,
    subresources: [],
    generation: false,
    microTimes: [],
    fieldSet: (o) => metaFields(o, d.namespaced),
    prepareForCreate: () => {},
    prepareForUpdate: (next) => next,
    validate: none,
    admitCreate: () => undefined,
    validateUpdate: none,
    ...d,
  };
}

const CORE = 'io.k8s.api.core.v1.';

const namespaces = base({
  group: '',
  version: 'v1',
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
  schemaType: `${CORE}Namespace`,
  fieldSet: (o) => ({ ...metaFields(o, false), 'status.phase': str(obj(o['status'] as Json)['phase']) }),
  prepareForCreate(o) {
    o['spec'] = { finalizers: ['kubernetes'] };
    o['status'] = { phase: 'Active' };
    // The server labels every namespace with its own name (immutable label).
    o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name! };
  },
  prepareForUpdate(next, old, sub) {
    const out = statusSplit(next, old, sub);
    out.metadata.labels = { ...(out.metadata.labels ?? {}), 'kubernetes.io/metadata.name': old.metadata.name! };
    if (sub !== 'status') out['spec'] = clone(old['spec'] ?? {});
    return out;
  },
  // Without a namespace controller nothing removes the `kubernetes` finalizer: the namespace stays Terminating.
  keepsOnDelete: (o) => {
    const f = obj(o['spec'] as Json)['finalizers'];
    return Array.isArray(f) && f.length > 0;
  },
  onDeleteRequested(o) {
    o['status'] = { ...obj(o['status'] as Json), phase: 'Terminating' };
  },
});

const nodes = base({
  group: '',
  version: 'v1',
  resource: 'nodes',
  singular: 'node',
  kind: 'Node',
  namespaced: false,
  shortNames: ['no'],
  subresources: ['status'],
  schemaType: `${CORE}Node`,
  fieldSet: (o) => ({ ...metaFields(o, false), 'spec.unschedulable': String(obj(o['spec'] as Json)['unschedulable'] === true) }),
  // Create keeps the status a registering kubelet sends; afterwards spec and status are written apart.
  prepareForUpdate(next, old, sub) {
    if (sub === 'status') {
      const out = clone(next);
      out['spec'] = clone(old['spec'] ?? {});
      return out;
    }
    return statusSplit(next, old, sub);
  },
});

const pods = base({
  group: '',
  version: 'v1',
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: ['status'],
  schemaType: `${CORE}Pod`,
  generation: true,
  fieldSet(o) {
    const spec = obj(o['spec'] as Json);
    const status = obj(o['status'] as Json);
    return {
      ...metaFields(o, true),
      'spec.nodeName': str(spec['nodeName']),
      'spec.restartPolicy': str(spec['restartPolicy']),
      'spec.schedulerName': str(spec['schedulerName']),
      'spec.serviceAccountName': str(spec['serviceAccountName']),
      'spec.hostNetwork': String(spec['hostNetwork'] === true),
      'status.phase': str(status['phase']),
      'status.podIP': str(status['podIP']),
      'status.nominatedNodeName': str(status['nominatedNodeName']),
    };
  },
  prepareForCreate(o) {
    defaultPod(o);
    o['status'] = { phase: 'Pending', qosClass: qosClass(o) };
  },
  prepareForUpdate(next, old, sub) {
    if (sub === 'status') {
      // Status writers may change metadata but not the spec, owners or the deletion mark.
      const out = clone(next);
      out['spec'] = clone(old['spec'] ?? {});
      out.metadata.ownerReferences = clone(old.metadata.ownerReferences);
      if (out.metadata.ownerReferences === undefined) delete out.metadata.ownerReferences;
      return out;
    }
    return statusSplit(next, old, sub);
  },
  validate: validatePod,
  admitCreate: mirrorPodForbidden,
  validateUpdate: validatePodUpdate,
  gracePeriod: podGracePeriod,
});

const events = base({
  group: '',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  schemaType: `${CORE}Event`,
  microTimes: [['eventTime'], ['series', 'lastObservedTime']],
  fieldSet(o) {
    const inv = obj(o['involvedObject'] as Json);
    const src = obj(o['source'] as Json);
    const f: Record<string, string> = { ...metaFields(o, true) };
    for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) f[`involvedObject.${k}`] = str(inv[k]);
    f['reason'] = str(o['reason'] as Json);
    f['reportingComponent'] = str(o['reportingComponent'] as Json);
    f['source'] = str(src['component']);
    f['type'] = str(o['type'] as Json);
    return f;
  },
  validate(o) {
    const causes: StatusCause[] = [];
    const inv = obj(o['involvedObject'] as Json);
    if (inv['namespace'] && inv['namespace'] !== o.metadata.namespace) {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${str(inv['namespace'])}": does not match event.namespace`, field: 'involvedObject.namespace' });
    }
    return causes;
  },
});

const leases = base({
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  schemaType: 'io.k8s.api.coordination.v1.Lease',
  microTimes: [['spec', 'acquireTime'], ['spec', 'renewTime']],
  validate(o) {
    const d = obj(o['spec'] as Json)['leaseDurationSeconds'];
    return typeof d === 'number' && d <= 0
      ? [{ reason: 'FieldValueInvalid', message: `Invalid value: ${d}: must be greater than 0`, field: 'spec.leaseDurationSeconds' }]
      : [];
  },
});

const csrs = base({
  group: 'certificates.k8s.io',
  version: 'v1',
  resource: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  kind: 'CertificateSigningRequest',
  namespaced: false,
  shortNames: ['csr'],
  subresources: ['approval', 'status'],
  schemaType: 'io.k8s.api.certificates.v1.CertificateSigningRequest',
  fieldSet: (o) => ({ ...metaFields(o, false), 'spec.signerName': str(obj(o['spec'] as Json)['signerName']) }),
  prepareForCreate(o, ctx) {
    // The requester is recorded from authentication, never from the body; status starts empty.
    const spec = obj(o['spec'] as Json);
    spec['username'] = ctx.user.username;
    if (ctx.user.uid) spec['uid'] = ctx.user.uid;
    else delete spec['uid'];
    spec['groups'] = ctx.user.groups;
    if (ctx.user.extra) spec['extra'] = ctx.user.extra;
    else delete spec['extra'];
    o['spec'] = spec;
    o['status'] = {};
  },
  prepareForUpdate(next, old, sub) {
    const out = clone(old);
    out.metadata = next.metadata;
    const nextStatus = obj(next['status'] as Json);
    const oldStatus = obj(old['status'] as Json);
    const isDecision = (c: Json) => isObject(c) && (c['type'] === 'Approved' || c['type'] === 'Denied');
    const conds = (s: JsonObject) => (Array.isArray(s['conditions']) ? s['conditions'] : []);
    // The strategies stamp conditions that come without times (populateConditionTimestamps).
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const stamped = (list: Json[]) => list.map((c) => (isObject(c) ? { ...c, lastUpdateTime: c['lastUpdateTime'] ?? now, lastTransitionTime: c['lastTransitionTime'] ?? now } : c));
    // Approval changes only the Approved/Denied conditions; status may change all else but them.
    if (sub === 'approval') out['status'] = { ...oldStatus, conditions: [...conds(oldStatus).filter((c) => !isDecision(c)), ...stamped(conds(nextStatus).filter(isDecision))] };
    else if (sub === 'status') out['status'] = { ...nextStatus, conditions: [...conds(oldStatus).filter(isDecision), ...stamped(conds(nextStatus).filter((c) => !isDecision(c)))] };
    return out;
  },
  validate(o) {
    const spec = obj(o['spec'] as Json);
    const causes: StatusCause[] = [];
    if (!spec['request']) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.request' });
    else {
      const parsed = parseRequest(str(spec['request']));
      if (parsed instanceof Error) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "<binary>": ${parsed.message}`, field: 'spec.request' });
    }
    if (!spec['signerName']) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.signerName' });
    if (!Array.isArray(spec['usages']) || spec['usages'].length === 0) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.usages' });
    const exp = spec['expirationSeconds'];
    if (typeof exp === 'number' && exp < 600) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${exp}: may not specify a duration less than 600 seconds (10 minutes)`, field: 'spec.expirationSeconds' });
    return causes;
  },
  validateUpdate(next, old) {
    if (!jsonEqual(next['spec'], old['spec'])) return [{ reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable', field: 'spec' }];
    return [];
  },
});

export const RESOURCES: ResourceDef[] = [namespaces, nodes, pods, events, leases, csrs];

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Looks a resource up by kind, plural, singular or short name (for the test-facing API). */
export function resolveResource(name: string): ResourceDef {
  const n = name.toLowerCase();
  const r = RESOURCES.find((d) => d.kind.toLowerCase() === n || d.resource === n || d.singular === n || d.shortNames.includes(n));
  if (!r) throw new Error(`the emulator serves no resource named ${name}`);
  return r;
}

export const storageKey = (r: ResourceDef): string => (r.group ? `${r.resource}.${r.group}` : r.resource);

export const apiVersionOf = (r: ResourceDef): string => (r.group ? `${r.group}/${r.version}` : r.version);
