// The NodeRestriction admission plugin (on in kubeadm clusters and every hardened one): a node's
// credentials (user system:node:<name> in group system:nodes) may write only what belongs to
// that node. For pods that means: create only mirror pods bound to itself, owned by its own Node
// (exactly one controller ownerReference with the Node's current UID, no blockOwnerDeletion) and
// referencing no other API object; update the status and delete only pods bound to itself. Its
// own Node and Lease only. The messages are the plugin's, so a client sees what a cluster says.
// Admission applies to writes; reads are the authorizer's business.
import type { ResourceRequest } from './request-info.js';
import { isObject, type Json, type JsonObject, type KubeObject, type UserInfo } from './types.js';

const MIRROR = 'kubernetes.io/config.mirror';
const WRITES = new Set(['create', 'update', 'patch', 'delete']);

const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const list = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** The node a request speaks for, if its user is a node. */
export function nodeOf(user: UserInfo): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.username.startsWith('system:node:')) return undefined;
  return user.username.slice('system:node:'.length);
}

export interface Lookup {
  /** The stored object, if any. */
  get(resource: 'pods' | 'nodes', namespace: string, name: string): KubeObject | undefined;
}

function containers(spec: JsonObject): JsonObject[] {
  return [...list(spec['containers']), ...list(spec['initContainers']), ...list(spec['ephemeralContainers'])];
}

/** Any reference a pod makes to another API object, by the kind the plugin names in its message. */
function referencedKind(spec: JsonObject): string | undefined {
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '') return 'a service account';
  const volumes = list(spec['volumes']);
  const secrets =
    list(spec['imagePullSecrets']).length > 0 ||
    containers(spec).some((c) => list(c['envFrom']).some((e) => isObject(e['secretRef'])) || list(c['env']).some((e) => isObject(obj(e['valueFrom'])['secretKeyRef']))) ||
    volumes.some((v) => isObject(v['secret']) || isObject(obj(v['csi'])['nodePublishSecretRef']) || list(obj(v['projected'])['sources']).some((s) => isObject(s['secret'])));
  if (secrets) return 'secrets';
  const configMaps =
    containers(spec).some((c) => list(c['envFrom']).some((e) => isObject(e['configMapRef'])) || list(c['env']).some((e) => isObject(obj(e['valueFrom'])['configMapKeyRef']))) ||
    volumes.some((v) => isObject(v['configMap']) || list(obj(v['projected'])['sources']).some((s) => isObject(s['configMap'])));
  if (configMaps) return 'configmaps';
  if (volumes.some((v) => isObject(v['persistentVolumeClaim']))) return 'persistentvolumeclaims';
  if (list(spec['resourceClaims']).length > 0) return 'resourceclaims';
  return undefined;
}

function podCreate(node: string, pod: KubeObject, lookup: Lookup): string | undefined {
  if (pod.metadata.annotations?.[MIRROR] === undefined) return `pod does not have "${MIRROR}" annotation, node "${node}" can only create mirror pods`;
  const spec = obj(pod['spec'] as Json);
  if (spec['nodeName'] !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) return `node "${node}" can only create pods with a single owner reference set to itself`;
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) return `node "${node}" can only create pods with an owner reference set to itself`;
  if (owner.controller !== true) return `node "${node}" can only create pods with a controller owner reference set to itself`;
  if (owner.blockOwnerDeletion === true) return `node "${node}" must not set blockOwnerDeletion on an owner reference`;
  const nodeObject = lookup.get('nodes', '', node);
  if (!nodeObject) return `node "${node}" not found`;
  if (owner.uid !== nodeObject.metadata.uid) return `node ${node} UID mismatch`;
  const kind = referencedKind(spec);
  if (kind) return `node "${node}" can not create pods that reference ${kind}`;
  return undefined;
}

/**
 * Why the plugin refuses this request (the text after `... is forbidden: `), or undefined.
 * `body` is the parsed request body of a create (undefined for other verbs or an unreadable one:
 * the create itself reports that).
 */
export function nodeRestriction(info: ResourceRequest, user: UserInfo, body: KubeObject | undefined, lookup: Lookup): string | undefined {
  const node = nodeOf(user);
  if (node === undefined || !WRITES.has(info.verb) || info.group === 'certificates.k8s.io') return undefined;
  if (info.group === '' && info.resource === 'pods') {
    if (info.subresource === 'status') {
      const pod = lookup.get('pods', info.namespace, info.name);
      if (pod && obj(pod['spec'] as Json)['nodeName'] !== node) return `node "${node}" can only update pod status for pods with spec.nodeName set to itself`;
      return undefined;
    }
    if (info.subresource === 'eviction') return undefined;
    if (info.verb === 'create' && !info.subresource) return body ? podCreate(node, body, lookup) : undefined;
    if (info.verb === 'delete' && !info.subresource) {
      const pod = lookup.get('pods', info.namespace, info.name);
      if (pod && obj(pod['spec'] as Json)['nodeName'] !== node) return `node "${node}" can only delete pods with spec.nodeName set to itself`;
      return undefined;
    }
    return `unexpected operation "${info.verb === 'patch' ? 'UPDATE' : info.verb.toUpperCase()}", node "${node}" can only create and delete mirror pods`;
  }
  if (info.group === '' && info.resource === 'nodes') {
    const name = info.verb === 'create' ? (body?.metadata.name ?? '') : info.name;
    if (name !== node) return `node "${node}" is not allowed to modify node "${name}"`;
    return undefined;
  }
  if (info.group === 'coordination.k8s.io' && info.resource === 'leases' && info.namespace === 'kube-node-lease') {
    const name = info.verb === 'create' ? (body?.metadata.name ?? '') : info.name;
    if (name !== node) return 'can only access node lease with the same name as the requesting node';
  }
  return undefined;
}
