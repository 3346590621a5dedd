// Strategic-merge metadata of the kinds the emulator serves: for each field that carries a patch
// strategy (`patchStrategy`/`patchMergeKey` in the Go API types, `x-kubernetes-patch-strategy`/
// `x-kubernetes-patch-merge-key` in the OpenAPI document) and for each field on the way to one.
// Keys are the OpenAPI definition names, so a test can hold the table against the published
// document. A list not named here has no strategy and a patch replaces it whole (containerStatuses,
// images, taints, tolerations, CSR conditions).

export interface FieldPatchMeta {
  /** `merge`, or `merge,retainKeys` for unions such as volumes. */
  strategy?: 'merge' | 'merge,retainKeys';
  /** The field that identifies a list element; absent for merged lists of scalars. */
  mergeKey?: string;
  /** Definition of the field's object (or of a merged list's elements) when it has strategies inside. */
  type?: string;
}

export type TypeMeta = Record<string, FieldPatchMeta>;

const CORE = 'io.k8s.api.core.v1.';
export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const containerFields: TypeMeta = {
  env: { strategy: 'merge', mergeKey: 'name' },
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

export const PATCH_META: Record<string, TypeMeta> = {
  [OBJECT_META]: {
    ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
    finalizers: { strategy: 'merge' },
  },
  [`${CORE}Node`]: { metadata: { type: OBJECT_META }, spec: { type: `${CORE}NodeSpec` }, status: { type: `${CORE}NodeStatus` } },
  [`${CORE}NodeSpec`]: { podCIDRs: { strategy: 'merge' } },
  [`${CORE}NodeStatus`]: {
    addresses: { strategy: 'merge', mergeKey: 'type' },
    conditions: { strategy: 'merge', mergeKey: 'type' },
  },
  [`${CORE}Pod`]: { metadata: { type: OBJECT_META }, spec: { type: `${CORE}PodSpec` }, status: { type: `${CORE}PodStatus` } },
  [`${CORE}PodSpec`]: {
    containers: { strategy: 'merge', mergeKey: 'name', type: `${CORE}Container` },
    initContainers: { strategy: 'merge', mergeKey: 'name', type: `${CORE}Container` },
    ephemeralContainers: { strategy: 'merge', mergeKey: 'name', type: `${CORE}EphemeralContainer` },
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name', type: `${CORE}Volume` },
    hostAliases: { strategy: 'merge', mergeKey: 'ip' },
    imagePullSecrets: { strategy: 'merge', mergeKey: 'name' },
    resourceClaims: { strategy: 'merge,retainKeys', mergeKey: 'name' },
    schedulingGates: { strategy: 'merge', mergeKey: 'name' },
    topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
  },
  [`${CORE}Container`]: containerFields,
  [`${CORE}EphemeralContainer`]: containerFields,
  [`${CORE}Volume`]: { ephemeral: { type: `${CORE}EphemeralVolumeSource` } },
  [`${CORE}EphemeralVolumeSource`]: { volumeClaimTemplate: { type: `${CORE}PersistentVolumeClaimTemplate` } },
  [`${CORE}PersistentVolumeClaimTemplate`]: { metadata: { type: OBJECT_META } },
  [`${CORE}PodStatus`]: {
    conditions: { strategy: 'merge', mergeKey: 'type' },
    podIPs: { strategy: 'merge', mergeKey: 'ip' },
    hostIPs: { strategy: 'merge', mergeKey: 'ip' },
    resourceClaimStatuses: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  },
  [`${CORE}Namespace`]: { metadata: { type: OBJECT_META }, status: { type: `${CORE}NamespaceStatus` } },
  [`${CORE}NamespaceStatus`]: { conditions: { strategy: 'merge', mergeKey: 'type' } },
  [`${CORE}Event`]: { metadata: { type: OBJECT_META } },
  'io.k8s.api.coordination.v1.Lease': { metadata: { type: OBJECT_META } },
  'io.k8s.api.certificates.v1.CertificateSigningRequest': { metadata: { type: OBJECT_META } },
};

export function fieldMeta(type: string | undefined, field: string): FieldPatchMeta {
  return (type && PATCH_META[type]?.[field]) || {};
}
