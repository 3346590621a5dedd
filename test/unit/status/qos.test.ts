import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, PodSpec, ResourceRequirements } from '../../../src/api/generated/core-v1.js';
import { computePodStatus, isSidecar, qosClass } from '../../../src/status/index.js';
import { obs, pod } from './fakes.js';

const c = (name: string, resources?: ResourceRequirements, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'x',
  ...(resources !== undefined ? { resources } : {}),
  ...extra,
});
const spec = (containers: Container[], initContainers: Container[] = [], extra: Partial<PodSpec> = {}): PodSpec => ({ containers, initContainers, ...extra });
const same = { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '0.5', memory: '134217728' } };

describe('qosClass', () => {
  it('BestEffort without any cpu or memory requests or limits', () => {
    assert.equal(qosClass(spec([c('a'), c('b', {})])), 'BestEffort');
    assert.equal(qosClass(spec([c('a', { requests: { 'ephemeral-storage': '1Gi' } })])), 'BestEffort');
    assert.equal(qosClass(spec([c('a', { requests: { cpu: '0' } })])), 'BestEffort');
  });

  it('Guaranteed when every container has equal cpu and memory requests and limits (compared as quantities)', () => {
    assert.equal(qosClass(spec([c('a', same), c('b', same)], [c('init', same)])), 'Guaranteed');
  });

  it('Guaranteed with limits only: requests default to limits', () => {
    assert.equal(qosClass(spec([c('a', { limits: { cpu: '1', memory: '1Gi' } })])), 'Guaranteed');
  });

  it('Burstable when requests and limits differ, or a resource is missing', () => {
    assert.equal(qosClass(spec([c('a', { requests: { cpu: '100m' } })])), 'Burstable');
    assert.equal(qosClass(spec([c('a', { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } })])), 'Burstable');
    assert.equal(qosClass(spec([c('a', { limits: { cpu: '1' } })])), 'Burstable');
  });

  it('Burstable when Guaranteed and BestEffort containers mix, init containers included', () => {
    assert.equal(qosClass(spec([c('a', same), c('b')])), 'Burstable');
    assert.equal(qosClass(spec([c('a', same)], [c('init')])), 'Burstable');
    assert.equal(qosClass(spec([c('a')], [c('init', { requests: { memory: '1Mi' } })])), 'Burstable');
  });

  it('pod-level resources decide when present', () => {
    assert.equal(qosClass(spec([c('a')], [], { resources: { limits: { cpu: '1', memory: '1Gi' } } })), 'Guaranteed');
    assert.equal(qosClass(spec([c('a', same)], [], { resources: { requests: { cpu: '1' } } })), 'Burstable');
  });

  it('is reported in the pod status', () => {
    assert.equal(computePodStatus(obs(pod({ containers: [c('app', same)] }), [])).qosClass, 'Guaranteed');
    assert.equal(computePodStatus(obs(pod(), [])).qosClass, 'BestEffort');
  });
});

describe('isSidecar', () => {
  it('is an init container with restartPolicy Always', () => {
    assert.equal(isSidecar(c('a', undefined, { restartPolicy: 'Always' })), true);
    assert.equal(isSidecar(c('a')), false);
  });
});
