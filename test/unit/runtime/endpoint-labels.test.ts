import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containerAnnotations,
  containerLabels,
  CONTAINER_HASH_ANNOTATION,
  DEFAULT_RUNTIME_ENDPOINT,
  InvalidEndpointError,
  MANAGED_BY_LABEL,
  managedSelector,
  parseContainerAnnotations,
  parseEndpoint,
  POD_NAME_LABEL,
  POD_TERMINATION_GRACE_PERIOD_ANNOTATION,
  sandboxLabels,
} from '../../../src/runtime/index.js';
import { nsToMs } from '../../../src/runtime/grpc/convert.js';
import { findProtoFile } from '../../../src/runtime/grpc/proto.js';

describe('parseEndpoint', () => {
  it('accepts unix:// URLs and bare absolute paths', () => {
    assert.deepEqual(parseEndpoint(DEFAULT_RUNTIME_ENDPOINT), {
      endpoint: DEFAULT_RUNTIME_ENDPOINT,
      socketPath: '/run/containerd/containerd.sock',
      grpcTarget: 'unix:///run/containerd/containerd.sock',
    });
    assert.equal(parseEndpoint('/var/run/crio/crio.sock').grpcTarget, 'unix:///var/run/crio/crio.sock');
  });

  it('refuses other schemes, relative paths and empty strings', () => {
    for (const bad of ['tcp://127.0.0.1:1234', 'npipe:////./pipe/x', 'unix://relative.sock', 'relative.sock', '']) {
      assert.throws(() => parseEndpoint(bad), InvalidEndpointError, bad);
    }
  });
});

describe('labels and annotations', () => {
  const pod = { name: 'web-node1', namespace: 'default', uid: 'u-1' };

  it('marks sandboxes and containers with the kubelet keys and the staticlet marker', () => {
    const sl = sandboxLabels(pod, { app: 'web', [POD_NAME_LABEL]: 'spoofed' });
    assert.equal(sl.app, 'web');
    assert.equal(sl[POD_NAME_LABEL], 'web-node1');
    assert.equal(sl['io.kubernetes.pod.namespace'], 'default');
    assert.equal(sl['io.kubernetes.pod.uid'], 'u-1');
    assert.equal(sl[MANAGED_BY_LABEL], 'staticlet');
    const cl = containerLabels(pod, 'nginx');
    assert.equal(cl['io.kubernetes.container.name'], 'nginx');
    assert.equal(cl.app, undefined);
    assert.deepEqual(managedSelector({ a: 'b' }), { a: 'b', [MANAGED_BY_LABEL]: 'staticlet' });
  });

  it('round-trips container annotations', () => {
    const a = containerAnnotations({ hash: 'abc', restartCount: 3, terminationGracePeriodSeconds: 30, terminationMessagePath: '/dev/termination-log' });
    assert.equal(a[CONTAINER_HASH_ANNOTATION], 'abc');
    assert.equal(a['io.kubernetes.container.restartCount'], '3');
    assert.equal(a[POD_TERMINATION_GRACE_PERIOD_ANNOTATION], '30');
    assert.deepEqual(parseContainerAnnotations(a), {
      hash: 'abc',
      restartCount: 3,
      terminationGracePeriodSeconds: 30,
      terminationMessagePath: '/dev/termination-log',
    });
    assert.deepEqual(parseContainerAnnotations({ 'io.kubernetes.container.restartCount': 'x' }), {});
  });
});

describe('wire helpers', () => {
  it('converts int64 nanoseconds without losing the millisecond part', () => {
    assert.equal(nsToMs('1795569573928123456'), 1795569573928);
    assert.equal(nsToMs('0'), 0);
    assert.equal(nsToMs(undefined), 0);
  });

  it('finds the .proto from the package root', () => {
    assert.match(findProtoFile(), /proto\/cri-v1\.proto$/);
  });
});
