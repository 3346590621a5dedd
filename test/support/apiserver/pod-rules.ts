// What the API server does to a pod beyond generic storage: the defaults it fills in (defaulting
// functions plus the Priority and DefaultTolerationSeconds admission plugins), the QoS class it
// records, the fields of a pod that may change, and which pods are deleted gracefully.
import type { StatusCause } from './status.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject, type KubeObject } from './types.js';

const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const list = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

function defaultContainer(c: JsonObject): void {
  c['terminationMessagePath'] ??= '/dev/termination-log';
  c['terminationMessagePolicy'] ??= 'File';
  if (c['imagePullPolicy'] === undefined && typeof c['image'] === 'string') {
    // The tag is what follows the last ':' after the last '/'; a digest or a non-latest tag means IfNotPresent.
    const image = c['image'];
    const last = image.slice(image.lastIndexOf('/') + 1);
    const tag = image.includes('@') ? 'digest' : last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : 'latest';
    c['imagePullPolicy'] = tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
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

function quantity(q: Json | undefined): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q);
  if (!m) return undefined;
  const scale: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (scale[m[2]!] ?? 1);
}

/** Guaranteed when every container has equal cpu and memory limits and requests, BestEffort when none has any. */
export function qosClass(pod: KubeObject): string {
  const spec = obj(pod['spec'] as Json);
  const containers = [...list(spec['containers']), ...list(spec['initContainers'])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const r = obj(c['resources']);
    const req = obj(r['requests']);
    const lim = obj(r['limits']);
    for (const res of ['cpu', 'memory']) {
      const rq = quantity(req[res] ?? lim[res]);
      const lm = quantity(lim[res]);
      if (rq !== undefined || lm !== undefined) any = true;
      if (lm === undefined || rq !== lm) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
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
