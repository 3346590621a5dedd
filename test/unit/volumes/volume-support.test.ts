import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePod } from '../../../src/validation/index.js';
import type { Pod } from '../../../src/api/generated/core-v1.js';

const pod = (volumes: unknown[], mounts: unknown[] = []): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: mounts }], volumes },
  }) as unknown as Pod;
const errors = (p: Pod) => validatePod(p);
const at = (p: Pod, path: string) => errors(p).filter((e) => e.path === path).map((e) => e.message);

test('supported sources pass', () => {
  const p = pod([
    { name: 'a', hostPath: { path: '/tmp', type: 'Directory' } },
    { name: 'b', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    { name: 'c', downwardAPI: { items: [{ path: 'l', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: 'd', projected: { sources: [{ downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
  ], [{ name: 'a', mountPath: '/a', readOnly: true, recursiveReadOnly: 'IfPossible' }]);
  assert.deepEqual(errors(p), []);
});

test('sources staticlet cannot provide are refused at their path with a reason', () => {
  const p = pod([
    { name: 'a', nfs: { server: 'nfs.example', path: '/export' } },
    { name: 'b', csi: { driver: 'x.example.com' } },
    { name: 'c', image: { reference: 'busybox' } },
    { name: 'd', iscsi: { targetPortal: '10.0.0.1:3260', iqn: 'iqn.2001-04.com.example:storage', lun: 0 } },
    { name: 'e', gitRepo: { repository: 'https://example.com/r.git' } },
  ]);
  assert.match(at(p, 'spec.volumes[0].nfs').join(), /nfs volumes are not supported: staticlet cannot provide this volume source standalone/);
  assert.match(at(p, 'spec.volumes[1].csi').join(), /CSI drivers/);
  assert.match(at(p, 'spec.volumes[2].image').join(), /containerd 1\.6/);
  assert.match(at(p, 'spec.volumes[3].iscsi').join(), /not supported/);
  assert.match(at(p, 'spec.volumes[4].gitRepo').join(), /deprecated/);
});

test('API-object sources are reported once, by the static-pod rules', () => {
  const p = pod([{ name: 'a', secret: { secretName: 's' } }, { name: 'b', configMap: { name: 'c' } }]);
  assert.equal(at(p, 'spec.volumes[0].secret').length, 1);
  assert.match(at(p, 'spec.volumes[0].secret')[0]!, /static pods/);
  assert.equal(at(p, 'spec.volumes[1].configMap').length, 1);
});

test('recursiveReadOnly Enabled and hugepage media are refused', () => {
  const p = pod([{ name: 'a', emptyDir: { medium: 'HugePages-2Mi' } }, { name: 'b', emptyDir: { medium: 'Disk' } }], [{ name: 'a', mountPath: '/a', readOnly: true, recursiveReadOnly: 'Enabled' }]);
  assert.match(at(p, 'spec.containers[0].volumeMounts[0].recursiveReadOnly').join(), /cannot make mounts recursively read-only/);
  assert.match(at(p, 'spec.volumes[0].emptyDir.medium').join(), /hugepage/);
  assert.match(at(p, 'spec.volumes[1].emptyDir.medium').join(), /unsupported value "Disk"/);
});
