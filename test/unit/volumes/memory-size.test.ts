import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { emptyDirMemorySize, podMemoryLimit } from '../../../src/volumes/memory-size.js';
import { parseMountInfo, mountsUnder, mountAt } from '../../../src/volumes/mountinfo.js';

const Mi = 1024n * 1024n;
const c = (name: string, memory?: string, restartPolicy?: string) => ({ name, image: 'i', ...(restartPolicy ? { restartPolicy } : {}), ...(memory ? { resources: { limits: { memory } } } : {}) });

test('pod memory limit: only when every container has one; sidecars add up, init containers peak', () => {
  assert.equal(podMemoryLimit({ spec: { containers: [c('a', '64Mi'), c('b')] } }), undefined);
  assert.equal(podMemoryLimit({ spec: { containers: [c('a', '64Mi'), c('b', '32Mi')] } }), 96n * Mi);
  const withInit: Pod = { spec: { initContainers: [c('side', '16Mi', 'Always'), c('init', '512Mi')], containers: [c('a', '64Mi')] } };
  assert.equal(podMemoryLimit(withInit), 528n * Mi);
  assert.equal(podMemoryLimit({ spec: { initContainers: [c('side', '16Mi', 'Always')], containers: [c('a', '64Mi')] } }), 80n * Mi);
  assert.equal(podMemoryLimit({ spec: { resources: { limits: { memory: '1Gi' } }, containers: [c('a')] } }), 1024n * Mi);
});

test('memory emptyDir size: allocatable, lowered by the pod limit, then by sizeLimit', () => {
  const alloc = 4096n * Mi;
  const unbounded: Pod = { spec: { containers: [c('a')] } };
  const bounded: Pod = { spec: { containers: [c('a', '256Mi')] } };
  assert.equal(emptyDirMemorySize(unbounded, undefined, alloc), alloc);
  assert.equal(emptyDirMemorySize(unbounded, '64Mi', alloc), 64n * Mi);
  assert.equal(emptyDirMemorySize(bounded, undefined, alloc), 256n * Mi);
  assert.equal(emptyDirMemorySize(bounded, '1Gi', alloc), 256n * Mi, 'sizeLimit above the pod limit is ignored');
  assert.equal(emptyDirMemorySize(bounded, '16Mi', alloc), 16n * Mi);
  assert.equal(emptyDirMemorySize(bounded, 0, alloc), 256n * Mi, 'zero means no limit');
});

test('mountinfo parsing: escaped mount points, deepest first', () => {
  const text = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '90 22 0:50 / /var/lib/s/pods/u1/volumes/kubernetes.io~empty-dir/m rw - tmpfs tmpfs rw,size=65536k',
    '91 90 0:51 / /var/lib/s/pods/u1/volumes/kubernetes.io~empty-dir/m/inner rw - tmpfs tmpfs rw',
    '92 22 0:52 / /var/lib/s/pods/u10/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');
  const m = parseMountInfo(text);
  assert.equal(m[3]!.mountPoint, '/var/lib/s/pods/u10/with space');
  assert.deepEqual(mountsUnder(m, '/var/lib/s/pods/u1').map((x) => x.mountPoint), [
    '/var/lib/s/pods/u1/volumes/kubernetes.io~empty-dir/m/inner',
    '/var/lib/s/pods/u1/volumes/kubernetes.io~empty-dir/m',
  ]);
  assert.equal(mountAt(m, '/var/lib/s/pods/u1/volumes/kubernetes.io~empty-dir/m')?.fsType, 'tmpfs');
  assert.equal(mountAt(m, '/nope'), undefined);
});
