import { runCases } from './helpers.js';

const m = (i: number): string => `spec.containers[0].volumeMounts[${i}]`;
runCases([
  { name: 'volume name is a DNS-1123 label', valid: (p) => p.spec.volumes.push({ name: 'cache-1', emptyDir: {} }), invalid: (p) => p.spec.volumes.push({ name: 'Cache', emptyDir: {} }), path: 'spec.volumes[2].name', fragment: 'RFC 1123 label' },
  { name: 'volume names unique', valid: (p) => p.spec.volumes.push({ name: 'cache', emptyDir: {} }), invalid: (p) => p.spec.volumes.push({ name: 'data', emptyDir: {} }), path: 'spec.volumes[2].name', fragment: 'duplicate value "data"' },
  { name: 'volume needs a source', valid: (p) => p.spec.volumes.push({ name: 'tmp', emptyDir: { medium: 'Memory' } }), invalid: (p) => p.spec.volumes.push({ name: 'tmp' }), path: 'spec.volumes[2]', fragment: 'must specify a volume type' },
  { name: 'volume has exactly one source', valid: (p) => p.spec.volumes.push({ name: 'tmp', hostPath: { path: '/tmp' } }), invalid: (p) => p.spec.volumes.push({ name: 'tmp', emptyDir: {}, hostPath: { path: '/tmp' } }), path: 'spec.volumes[2].hostPath', fragment: 'more than 1 volume type' },
  { name: 'mounts reference defined volumes', valid: (p) => (p.spec.containers[0].volumeMounts[0].name = 'conf'), invalid: (p) => (p.spec.containers[0].volumeMounts[0].name = 'nope'), path: `${m(0)}.name`, fragment: 'volume "nope" not found' },
  { name: 'mountPath unique per container', valid: (p) => p.spec.containers[0].volumeMounts.push({ name: 'data', mountPath: '/data2' }), invalid: (p) => p.spec.containers[0].volumeMounts.push({ name: 'conf', mountPath: '/data' }), path: `${m(2)}.mountPath`, fragment: 'must be unique' },
  { name: 'subPath is relative', valid: (p) => (p.spec.containers[0].volumeMounts[1].subPath = 'a/b..c'), invalid: (p) => (p.spec.containers[0].volumeMounts[1].subPath = '/etc'), path: `${m(1)}.subPath`, fragment: 'relative path' },
  { name: "subPath without '..'", valid: (p) => (p.spec.containers[0].volumeMounts[1].subPath = 'x/y'), invalid: (p) => (p.spec.containers[0].volumeMounts[1].subPath = 'x/../../etc'), path: `${m(1)}.subPath`, fragment: "must not contain '..'" },
  {
    name: 'subPath and subPathExpr exclusive',
    valid: (p) => {
      delete p.spec.containers[0].volumeMounts[1].subPath;
      p.spec.containers[0].volumeMounts[1].subPathExpr = '$(POD_NAME)';
    },
    invalid: (p) => (p.spec.containers[0].volumeMounts[1].subPathExpr = '$(POD_NAME)'),
    path: `${m(1)}.subPathExpr`,
    fragment: 'mutually exclusive',
  },
  { name: "hostPath path without '..'", valid: (p) => (p.spec.volumes[1].hostPath.path = '/var/lib/web'), invalid: (p) => (p.spec.volumes[1].hostPath.path = '/var/../etc'), path: 'spec.volumes[1].hostPath.path', fragment: "'..'" },
  { name: 'emptyDir sizeLimit non-negative', valid: (p) => (p.spec.volumes[0].emptyDir.sizeLimit = 0), invalid: (p) => (p.spec.volumes[0].emptyDir.sizeLimit = '-1Gi'), path: 'spec.volumes[0].emptyDir.sizeLimit', fragment: 'greater than or equal to 0' },
  {
    name: 'downwardAPI volume field paths',
    valid: (p) => p.spec.volumes.push({ name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }),
    invalid: (p) => p.spec.volumes.push({ name: 'info', downwardAPI: { items: [{ path: 'node', fieldRef: { fieldPath: 'spec.nodeName' } }] } }),
    path: 'spec.volumes[2].downwardAPI.items[0].fieldRef.fieldPath',
    fragment: 'unsupported value "spec.nodeName"',
  },
  {
    name: 'downwardAPI resourceFieldRef names its container',
    valid: (p) => p.spec.volumes.push({ name: 'info', downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { containerName: 'web', resource: 'limits.cpu' } }] } }),
    invalid: (p) => p.spec.volumes.push({ name: 'info', downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }] } }),
    path: 'spec.volumes[2].downwardAPI.items[0].resourceFieldRef.containerName',
    fragment: 'required',
  },
  { name: 'file mode within 0777', valid: (p) => p.spec.volumes.push({ name: 'info', downwardAPI: { defaultMode: 0o644 } }), invalid: (p) => p.spec.volumes.push({ name: 'info', downwardAPI: { defaultMode: 0o1000 } }), path: 'spec.volumes[2].downwardAPI.defaultMode', fragment: '0777' },
  {
    name: 'projected source has exactly one type',
    valid: (p) => p.spec.volumes.push({ name: 'proj', projected: { sources: [{ downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }] } }),
    invalid: (p) => p.spec.volumes.push({ name: 'proj', projected: { sources: [{}] } }),
    path: 'spec.volumes[2].projected.sources[0]',
    fragment: 'must specify one of',
  },
  {
    name: 'Bidirectional propagation needs a privileged container',
    valid: (p) => {
      delete p.spec.containers[0].securityContext.allowPrivilegeEscalation;
      p.spec.containers[0].securityContext.privileged = true;
      p.spec.containers[0].volumeMounts[0].mountPropagation = 'Bidirectional';
    },
    invalid: (p) => (p.spec.containers[0].volumeMounts[0].mountPropagation = 'Bidirectional'),
    path: `${m(0)}.mountPropagation`,
    fragment: 'only to privileged containers',
  },
  {
    name: 'recursiveReadOnly needs readOnly',
    valid: (p) => (p.spec.containers[0].volumeMounts[1].recursiveReadOnly = 'IfPossible'),
    invalid: (p) => (p.spec.containers[0].volumeMounts[0].recursiveReadOnly = 'Enabled'),
    path: `${m(0)}.recursiveReadOnly`,
    fragment: 'readOnly is true',
  },
  {
    name: 'volumeDevices need a block volume',
    valid: () => undefined,
    invalid: (p) => (p.spec.containers[0].volumeDevices = [{ name: 'data', devicePath: '/dev/xvda' }]),
    path: 'spec.containers[0].volumeDevices[0].name',
    fragment: 'block mode',
  },
]);
