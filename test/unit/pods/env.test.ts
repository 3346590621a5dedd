import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, EnvVar, Pod } from '../../../src/api/generated/core-v1.js';
import { ContainerConfigError } from '../../../src/pods/config-error.js';
import { containerEnv, expand, expandAll, type EnvInput } from '../../../src/pods/env.js';

function input(env: EnvVar[], extra: Partial<Container> = {}, pod: Partial<Pod['spec']> = {}): EnvInput {
  const container: Container = { name: 'app', image: 'busybox', env, ...extra };
  return {
    pod: {
      metadata: { name: 'web-node-1', namespace: 'kube-system', uid: 'u-1', labels: { tier: 'fe' }, annotations: { 'a.b/c': 'x' } },
      spec: { nodeName: 'node-1', containers: [container], ...pod },
    },
    container,
    nodeName: 'node-1',
    hostIPs: ['10.0.0.5'],
    podIPs: ['10.88.0.7', 'fd00::7'],
    allocatable: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '100Gi' },
  };
}
const get = (i: EnvInput) => Object.fromEntries(containerEnv(i).map((e) => [e.key, e.value]));

describe('$(VAR) expansion', () => {
  const vars = new Map([['A', 'a'], ['EMPTY', '']]);
  const x = (s: string) => expand(s, (n) => vars.get(n));
  test('known references are replaced, unknown ones kept verbatim', () => {
    assert.equal(x('$(A)-$(B)'), 'a-$(B)');
    assert.equal(x('[$(EMPTY)]'), '[]');
  });
  test('$$ escapes the operator', () => {
    assert.equal(x('$$(A)'), '$(A)');
    assert.equal(x('$$$(A)'), '$a');
    assert.equal(x('$$$$(A)'), '$$(A)');
  });
  test('other dollars and unterminated references stay', () => {
    assert.equal(x('$A $'), '$A $');
    assert.equal(x('$(A'), '$(A');
    assert.equal(x('$()'), '$()');
    assert.equal(x('cost: 5$'), 'cost: 5$');
  });
});

describe('containerEnv', () => {
  test('values see only variables defined before them', () => {
    const env = get(input([
      { name: 'LATER_REF', value: '$(B)' },
      { name: 'B', value: 'b' },
      { name: 'C', value: '$(B)-$$(B)-$(NOPE)' },
    ]));
    assert.deepEqual(env, { LATER_REF: '$(B)', B: 'b', C: 'b-$(B)-$(NOPE)' });
  });
  test('a redefined name keeps its first position and its last value', () => {
    const list = containerEnv(input([{ name: 'X', value: '1' }, { name: 'Y', value: '$(X)' }, { name: 'X', value: '2$(X)' }]));
    assert.deepEqual(list, [{ key: 'X', value: '21' }, { key: 'Y', value: '1' }]);
  });
  test('every fieldRef', () => {
    const ref = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const env = get(input([
      ref('NAME', 'metadata.name'), ref('NS', 'metadata.namespace'), ref('UID', 'metadata.uid'),
      ref('L', "metadata.labels['tier']"), ref('LMISSING', "metadata.labels['nope']"), ref('AN', "metadata.annotations['a.b/c']"),
      ref('NODE', 'spec.nodeName'), ref('SA', 'spec.serviceAccountName'),
      ref('HIP', 'status.hostIP'), ref('HIPS', 'status.hostIPs'), ref('PIP', 'status.podIP'), ref('PIPS', 'status.podIPs'),
    ]));
    assert.deepEqual(env, {
      NAME: 'web-node-1', NS: 'kube-system', UID: 'u-1', L: 'fe', LMISSING: '', AN: 'x', NODE: 'node-1', SA: '',
      HIP: '10.0.0.5', HIPS: '10.0.0.5', PIP: '10.88.0.7', PIPS: '10.88.0.7,fd00::7',
    });
  });
  test('valueFrom results are not expanded', () => {
    const i = input([{ name: 'A', value: 'a' }, { name: 'L', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['a.b/c']" } } }]);
    i.pod.metadata!.annotations!['a.b/c'] = '$(A)';
    assert.equal(get(i).L, '$(A)');
  });
  test('resourceFieldRef: divisors round up, requests default to limits, unset limits read allocatable', () => {
    const r = (name: string, resource: string, divisor?: string): EnvVar => ({ name, valueFrom: { resourceFieldRef: { resource, ...(divisor ? { divisor } : {}) } } });
    const env = get(input(
      [
        r('LCPU', 'limits.cpu'), r('LCPU_M', 'limits.cpu', '1m'), r('RCPU', 'requests.cpu'), r('RCPU_M', 'requests.cpu', '1m'),
        r('LMEM', 'limits.memory'), r('LMEM_MI', 'limits.memory', '1Mi'), r('RMEM', 'requests.memory', '1Mi'),
        r('LEPH', 'limits.ephemeral-storage', '1Gi'), r('REPH', 'requests.ephemeral-storage'),
        r('LHUGE', 'limits.hugepages-2Mi', '1Mi'), r('RHUGE', 'requests.hugepages-2Mi', '1Mi'),
      ],
      { resources: { requests: { cpu: '250m' }, limits: { memory: '100M', 'hugepages-2Mi': '4Mi' } } },
    ));
    assert.deepEqual(env, {
      LCPU: '2', LCPU_M: '2000', RCPU: '1', RCPU_M: '250',
      LMEM: '100000000', LMEM_MI: '96', RMEM: '96',
      LEPH: '100', REPH: '0',
      LHUGE: '4', RHUGE: '4',
    });
  });
  test('resourceFieldRef of another container, and of an unknown one', () => {
    const i = input([{ name: 'S', valueFrom: { resourceFieldRef: { containerName: 'side', resource: 'limits.cpu', divisor: '1m' } } }]);
    i.pod.spec!.initContainers = [{ name: 'side', image: 'busybox', resources: { limits: { cpu: '1500m' } } }];
    assert.equal(get(i).S, '1500');
    const bad = input([{ name: 'S', valueFrom: { resourceFieldRef: { containerName: 'ghost', resource: 'limits.cpu' } } }]);
    assert.throws(() => containerEnv(bad), ContainerConfigError);
  });
  test('sources validation refuses fail as ContainerConfigError, not a crash', () => {
    assert.throws(() => containerEnv(input([{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }])), ContainerConfigError);
  });
  test('command and args expand against the whole environment', () => {
    const env = containerEnv(input([{ name: 'A', value: 'a' }, { name: 'B', value: 'b' }]));
    assert.deepEqual(expandAll(['echo', '$(A)$(B)', '$$(A)', '$(C)'], env), ['echo', 'ab', '$(A)', '$(C)']);
  });
});
