/**
 * What a static pod may not do, beyond the API server's own rules. A static pod is started by
 * the node alone, so anything that needs the API server to resolve an object can never work:
 * and the API server's NodeRestriction admission refuses the mirror pod of any pod that
 * references such objects, so the pod would also be invisible to the cluster.
 */
import { field, index } from '../path.js';
import { isObject, isRecord, list, type RuleContext } from './context.js';

export const STATIC_POD_REASON =
  "a static pod cannot reference API objects; it could never start standalone, and the API server's NodeRestriction admission would refuse its mirror pod";

function reason(what: string): string {
  return `${what} are not allowed in static pods: ${STATIC_POD_REASON}`;
}

function refuse(ctx: RuleContext, path: string, what: string): void {
  ctx.add(path, reason(what));
}

const VOLUME_REFS: ReadonlyArray<[string, string]> = [
  ['secret', 'secret volumes'],
  ['configMap', 'configMap volumes'],
  ['persistentVolumeClaim', 'persistentVolumeClaim volumes'],
  ['ephemeral', 'ephemeral volumes (they create PersistentVolumeClaims)'],
];
const PROJECTION_REFS: ReadonlyArray<[string, string]> = [
  ['secret', 'projected secrets'],
  ['configMap', 'projected configMaps'],
  ['serviceAccountToken', 'projected service account tokens'],
  ['clusterTrustBundle', 'projected cluster trust bundles'],
  ['podCertificate', 'projected pod certificates'],
];

export function checkStaticPod(ctx: RuleContext): void {
  const spec = ctx.spec;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') refuse(ctx, 'spec.serviceAccountName', 'service accounts');
  if (typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') refuse(ctx, 'spec.serviceAccount', 'service accounts');
  if (list(spec.imagePullSecrets).length > 0) refuse(ctx, 'spec.imagePullSecrets', 'image pull secrets');
  if (list(spec.resourceClaims).length > 0) refuse(ctx, 'spec.resourceClaims', 'resource claims');
  if (list(spec.ephemeralContainers).length > 0) {
    ctx.add('spec.ephemeralContainers', reason('ephemeral containers'));
  }
  for (const { v, path } of ctx.volumes) {
    for (const [k, what] of VOLUME_REFS) if (isRecord((v as unknown as Record<string, unknown>)[k])) refuse(ctx, field(path, k), what);
    if (isObject(v.projected)) {
      list(v.projected.sources).forEach((s, i) => {
        if (!isObject(s)) return;
        const sp = index(field(field(path, 'projected'), 'sources'), i);
        for (const [k, what] of PROJECTION_REFS) if (isRecord((s as unknown as Record<string, unknown>)[k])) refuse(ctx, field(sp, k), what);
      });
    }
  }
  for (const ref of ctx.containers) {
    if (ref.kind === 'ephemeral') continue; // already refused as a whole
    list(ref.c.env).forEach((e, i) => {
      if (!isObject(e) || !isObject(e.valueFrom)) return;
      const vp = field(index(field(ref.path, 'env'), i), 'valueFrom');
      if (isObject(e.valueFrom.secretKeyRef)) refuse(ctx, field(vp, 'secretKeyRef'), 'references to Secrets');
      if (isObject(e.valueFrom.configMapKeyRef)) refuse(ctx, field(vp, 'configMapKeyRef'), 'references to ConfigMaps');
    });
    list(ref.c.envFrom).forEach((e, i) => {
      if (!isObject(e)) return;
      const ep = index(field(ref.path, 'envFrom'), i);
      if (isObject(e.secretRef)) refuse(ctx, field(ep, 'secretRef'), 'references to Secrets');
      if (isObject(e.configMapRef)) refuse(ctx, field(ep, 'configMapRef'), 'references to ConfigMaps');
    });
    if (isObject(ref.c.resources) && list(ref.c.resources.claims).length > 0) {
      refuse(ctx, field(field(ref.path, 'resources'), 'claims'), 'resource claims');
    }
  }
}
