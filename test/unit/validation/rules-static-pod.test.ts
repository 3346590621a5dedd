import { runCases, type RuleCase } from './helpers.js';

const WHY = 'NodeRestriction admission would refuse its mirror pod';
const vol = (v: object) => (p: Record<string, any>) => p.spec.volumes.push({ name: 'ref', ...v });
const envFrom = (v: object) => (p: Record<string, any>) => p.spec.containers[0].env.push({ name: 'REF', valueFrom: v });
const okVolume = vol({ emptyDir: {} });

const cases: RuleCase[] = [
  { name: 'static: secret volume', valid: okVolume, invalid: vol({ secret: { secretName: 's' } }), path: 'spec.volumes[2].secret', fragment: WHY },
  { name: 'static: configMap volume', valid: okVolume, invalid: vol({ configMap: { name: 'c' } }), path: 'spec.volumes[2].configMap', fragment: 'configMap volumes are not allowed in static pods' },
  { name: 'static: persistentVolumeClaim volume', valid: okVolume, invalid: vol({ persistentVolumeClaim: { claimName: 'c' } }), path: 'spec.volumes[2].persistentVolumeClaim', fragment: WHY },
  { name: 'static: ephemeral volume', valid: okVolume, invalid: vol({ ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } } }), path: 'spec.volumes[2].ephemeral', fragment: WHY },
];
const downward = { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } };
const projections: Array<[string, object]> = [
  ['secret', { name: 's' }],
  ['configMap', { name: 'c' }],
  ['serviceAccountToken', { path: 'token' }],
  ['clusterTrustBundle', { path: 'ca.pem', signerName: 'example.com/ca' }],
  ['podCertificate', { signerName: 'example.com/s', keyType: 'ED25519', credentialBundlePath: 'cred.pem' }],
];
for (const [k, v] of projections) {
  cases.push({ name: `static: projected ${k}`, valid: vol({ projected: { sources: [downward] } }), invalid: vol({ projected: { sources: [downward, { [k]: v }] } }), path: `spec.volumes[2].projected.sources[1].${k}`, fragment: WHY });
}
cases.push(
  { name: 'static: env secretKeyRef', valid: envFrom({ fieldRef: { fieldPath: 'metadata.uid' } }), invalid: envFrom({ secretKeyRef: { name: 's', key: 'k' } }), path: 'spec.containers[0].env[2].valueFrom.secretKeyRef', fragment: WHY },
  { name: 'static: env configMapKeyRef', valid: envFrom({ resourceFieldRef: { resource: 'limits.cpu' } }), invalid: envFrom({ configMapKeyRef: { name: 'c', key: 'k' } }), path: 'spec.containers[0].env[2].valueFrom.configMapKeyRef', fragment: WHY },
  { name: 'static: envFrom configMapRef', valid: () => undefined, invalid: (p) => (p.spec.containers[0].envFrom = [{ configMapRef: { name: 'c' } }]), path: 'spec.containers[0].envFrom[0].configMapRef', fragment: WHY },
  { name: 'static: envFrom secretRef', valid: () => undefined, invalid: (p) => (p.spec.initContainers[0].envFrom = [{ secretRef: { name: 's' } }]), path: 'spec.initContainers[0].envFrom[0].secretRef', fragment: WHY },
  { name: 'static: serviceAccountName', valid: (p) => (p.spec.serviceAccountName = ''), invalid: (p) => (p.spec.serviceAccountName = 'default'), path: 'spec.serviceAccountName', fragment: 'service accounts are not allowed in static pods' },
  { name: 'static: serviceAccount', valid: (p) => (p.spec.automountServiceAccountToken = false), invalid: (p) => (p.spec.serviceAccount = 'default'), path: 'spec.serviceAccount', fragment: WHY },
  { name: 'static: resourceClaims', valid: (p) => (p.spec.resourceClaims = []), invalid: (p) => (p.spec.resourceClaims = [{ name: 'gpu', resourceClaimName: 'gpu' }]), path: 'spec.resourceClaims', fragment: WHY },
  { name: 'static: container resource claims', valid: () => undefined, invalid: (p) => (p.spec.containers[0].resources.claims = [{ name: 'gpu' }]), path: 'spec.containers[0].resources.claims', fragment: WHY },
  { name: 'static: ephemeralContainers', valid: (p) => (p.spec.ephemeralContainers = []), invalid: (p) => (p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]), path: 'spec.ephemeralContainers', fragment: 'ephemeral containers are not allowed in static pods' },
  { name: 'static: imagePullSecrets', valid: (p) => (p.spec.imagePullSecrets = []), invalid: (p) => (p.spec.imagePullSecrets = [{ name: 'regcred' }]), path: 'spec.imagePullSecrets', fragment: WHY },
);
runCases(cases);
