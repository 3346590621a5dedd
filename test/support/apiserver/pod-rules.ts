// What the API server does to a pod beyond generic storage: the defaults it fills in (defaulting
// functions plus the Priority and DefaultTolerationSeconds admission plugins), the QoS class it
// records, the fields of a pod that may change, which pods are deleted gracefully, and what mirror
// pods may not reference. Pull-policy defaulting and QoS use staticlet's own copies of those rules.
import type { PodSpec } from '../../../src/api/generated/core-v1.js';
import { defaultPullPolicy } from '../../../src/runtime/pull-policy.js';
import { qosClass as podQos } from '../../../src/status/qos.js';
import type { StatusCause } from './status.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject, type KubeObject } from './types.js';

const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const list = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

function defaultContainer(c: JsonObject): void {
  c['terminationMessagePath'] ??= '/dev/termination-log';
  c['terminationMessagePolicy'] ??= 'File';
  if (c['imagePullPolicy'] === undefined && typeof c['image'] === 'string') c['imagePullPolicy'] = defaultPullPolicy(c['image']);
  c['resources'] ??= {};
  for (const p of list(c['ports'])) p['protocol'] ??= 'TCP';
}

function tolerates(tolerations: JsonObject[], key: string): boolean {
  return tolerations.some(
    (t) => (t['effect'] === undefined || t['effect'] === '' || t['effect'] === 'NoExecute') && (t['key'] === key || ((t['key'] ?? '') === '' && t['operator'] === 'Exists')),
  );
}

export function defaultPod(pod: KubeObject): void {
  const spec = obj(pod['spec'] as Json);
  pod['spec'] = spec;
  spec['restartPolicy'] ??= 'Always';
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['securityContext'] ??= {};
  spec['schedulerName'] ??= 'default-scheduler';
  spec['enableServiceLinks'] ??= true;
  spec['priority'] ??= 0;
  spec['preemptionPolicy'] ??= 'PreemptLowerPriority';
  for (const c of [...list(spec['containers']), ...list(spec['initContainers'])]) defaultContainer(c);
  const tolerations = list(spec['tolerations']);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerates(tolerations, key)) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec['tolerations'] = tolerations;
}

/** The QoS class the server records at create, by the same rules the kubelet applies. */
export function qosClass(pod: KubeObject): string {
  return podQos(obj(pod['spec'] as Json) as unknown as PodSpec);
}

export function validatePod(pod: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(pod['spec'] as Json);
  const containers = list(spec['containers']);
  if (containers.length === 0) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  containers.forEach((c, i) => {
    if (!c['name']) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.containers[${i}].name` });
    if (!c['image']) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.containers[${i}].image` });
  });
  return causes;
}

const MUTABLE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** A pod's spec is immutable but for images, the active deadline and added tolerations. */
export function validatePodUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const mask = (p: KubeObject, other: KubeObject) => {
    const s = clone(obj(p['spec'] as Json));
    const o = obj(other['spec'] as Json);
    for (const field of ['containers', 'initContainers']) for (const c of list(s[field])) delete c['image'];
    delete s['activeDeadlineSeconds'];
    const tol = list(s['tolerations']);
    const oldTol = list(o['tolerations']);
    // Additions are allowed: compare only the tolerations both sides share.
    s['tolerations'] = tol.filter((t) => oldTol.some((x) => jsonEqual(x, t)));
    return s;
  };
  const a = mask(next, old);
  const b = mask(old, next);
  const removed = list(obj(old['spec'] as Json)['tolerations']).some((t) => !list(obj(next['spec'] as Json)['tolerations']).some((x) => jsonEqual(x, t)));
  if (!jsonEqual(a, b) || removed) return [{ reason: 'FieldValueForbidden', message: `Forbidden: ${MUTABLE}`, field: 'spec' }];
  return [];
}

/**
 * The grace period a DELETE gets: the request's, else the pod's own, but 0 for a pod that no node
 * runs (never scheduled, or already Succeeded/Failed), since nothing would finish its deletion.
 */
export function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = obj(pod['spec'] as Json);
  const phase = obj(pod['status'] as Json)['phase'];
  if (!spec['nodeName'] || phase === 'Succeeded' || phase === 'Failed') return 0;
  const own = typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30;
  return Math.max(0, requested ?? own);
}

const MIRROR = 'kubernetes.io/config.mirror';
const SECRET_REF_VOLUMES = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'];

function referencesSecret(spec: JsonObject): boolean {
  if (list(spec['imagePullSecrets']).length) return true;
  const containers = [...list(spec['containers']), ...list(spec['initContainers']), ...list(spec['ephemeralContainers'])];
  for (const c of containers) {
    if (list(c['envFrom']).some((e) => isObject(e['secretRef']))) return true;
    if (list(c['env']).some((e) => isObject(obj(e['valueFrom'])['secretKeyRef']))) return true;
  }
  for (const v of list(spec['volumes'])) {
    if (isObject(v['secret']) || isObject(v['azureFile'])) return true;
    if (SECRET_REF_VOLUMES.some((k) => isObject(obj(v[k])['secretRef']))) return true;
    if (isObject(obj(v['csi'])['nodePublishSecretRef'])) return true;
    if (list(obj(v['projected'])['sources']).some((s) => isObject(s['secret']))) return true;
  }
  return false;
}

/**
 * The ServiceAccount admission plugin's rule for mirror pods (annotation kubernetes.io/config.mirror):
 * they may not name a service account, reference a secret, or project a service account token.
 * Returns the reason a create is forbidden, if it is.
 */
export function mirrorPodForbidden(pod: KubeObject): string | undefined {
  if (pod.metadata.annotations?.[MIRROR] === undefined) return undefined;
  const spec = obj(pod['spec'] as Json);
  if (spec['serviceAccountName']) return 'a mirror pod may not reference service accounts';
  if (referencesSecret(spec)) return 'a mirror pod may not reference secrets';
  if (list(spec['volumes']).some((v) => list(obj(v['projected'])['sources']).some((s) => isObject(s['serviceAccountToken'])))) {
    return 'a mirror pod may not use ServiceAccountToken volume projections';
  }
  return undefined;
}
