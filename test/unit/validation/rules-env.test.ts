import { runCases } from './helpers.js';

const e = (i: number): string => `spec.containers[0].env[${i}]`;
runCases([
  { name: 'env name relaxed syntax (printable ASCII)', valid: (p) => (p.spec.containers[0].env[1].name = '1st.var-name with space'), invalid: (p) => (p.spec.containers[0].env[1].name = 'A\tB'), path: `${e(1)}.name`, fragment: 'printable ASCII' },
  { name: "env name without '='", valid: (p) => (p.spec.containers[0].env[1].name = 'A_B'), invalid: (p) => (p.spec.containers[0].env[1].name = 'A=B'), path: `${e(1)}.name`, fragment: "other than '='" },
  { name: 'env name is ASCII', valid: (p) => (p.spec.containers[0].env[1].name = '~tilde'), invalid: (p) => (p.spec.containers[0].env[1].name = 'café'), path: `${e(1)}.name`, fragment: 'printable ASCII' },
  { name: 'env name required', valid: (p) => (p.spec.containers[0].env[1].name = 'X'), invalid: (p) => (p.spec.containers[0].env[1].name = ''), path: `${e(1)}.name`, fragment: 'required' },
  { name: 'value and valueFrom exclusive', valid: (p) => (p.spec.containers[0].env[0].value = ''), invalid: (p) => (p.spec.containers[0].env[0].value = 'x'), path: `${e(0)}.valueFrom`, fragment: 'may not be specified when `value` is not empty' },
  { name: 'valueFrom needs a source', valid: (p) => (p.spec.containers[0].env[0].valueFrom = { fieldRef: { fieldPath: 'status.podIP' } }), invalid: (p) => (p.spec.containers[0].env[0].valueFrom = {}), path: `${e(0)}.valueFrom`, fragment: 'must specify one of' },
  {
    name: 'valueFrom has exactly one source',
    valid: (p) => (p.spec.containers[0].env[0].valueFrom = { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } }),
    invalid: (p) => (p.spec.containers[0].env[0].valueFrom = { fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { resource: 'limits.cpu' } }),
    path: `${e(0)}.valueFrom`,
    fragment: 'more than one field',
  },
  { name: 'fieldRef paths from the supported set', valid: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = 'spec.nodeName'), invalid: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = 'metadata.labels'), path: `${e(0)}.valueFrom.fieldRef.fieldPath`, fragment: 'unsupported value "metadata.labels"' },
  { name: 'fieldRef subscripted label key', valid: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = "metadata.labels['app.kubernetes.io/name']"), invalid: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = "metadata.labels['bad key']"), path: `${e(0)}.valueFrom.fieldRef.fieldPath`, fragment: 'name part' },
  { name: 'fieldRef apiVersion v1', valid: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion = 'v1'), invalid: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion = 'v2'), path: `${e(0)}.valueFrom.fieldRef.apiVersion`, fragment: 'supported values: "v1"' },
  { name: 'resourceFieldRef resources', valid: (p) => (p.spec.containers[0].env[0].valueFrom = { resourceFieldRef: { resource: 'requests.ephemeral-storage' } }), invalid: (p) => (p.spec.containers[0].env[0].valueFrom = { resourceFieldRef: { resource: 'limits.gpu' } }), path: `${e(0)}.valueFrom.resourceFieldRef.resource`, fragment: 'unsupported value "limits.gpu"' },
  { name: 'resourceFieldRef cpu divisor', valid: (p) => (p.spec.containers[0].env[0].valueFrom = { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } }), invalid: (p) => (p.spec.containers[0].env[0].valueFrom = { resourceFieldRef: { resource: 'limits.cpu', divisor: '2' } }), path: `${e(0)}.valueFrom.resourceFieldRef.divisor`, fragment: '1m and 1' },
  { name: 'envFrom needs a source', valid: () => undefined, invalid: (p) => (p.spec.containers[0].envFrom = [{ prefix: 'X_' }]), path: 'spec.containers[0].envFrom[0]', fragment: 'must specify one of' },
  { name: 'envFrom prefix is an env name', valid: () => undefined, invalid: (p) => (p.spec.containers[0].envFrom = [{ prefix: 'A=' }]), path: 'spec.containers[0].envFrom[0].prefix', fragment: "other than '='" },
]);
