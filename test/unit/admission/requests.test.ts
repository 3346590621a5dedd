import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, PodSpec } from '../../../src/api/generated/core-v1.js';
import { amountOf, formatAmount } from '../../../src/admission/amounts.js';
import { podRequests } from '../../../src/admission/requests.js';

const c = (name: string, requests?: Record<string, string>, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'busybox',
  ...(requests ? { resources: { requests } } : {}),
  ...extra,
});

describe('quantities in admission units', () => {
  test('cpu in millicores, rounded up; memory in bytes', () => {
    assert.equal(amountOf('cpu', '250m'), 250n);
    assert.equal(amountOf('cpu', '1.5'), 1500n);
    assert.equal(amountOf('cpu', '0.0001'), 1n);
    assert.equal(amountOf('cpu', 2 as unknown as string), 2000n);
    assert.equal(amountOf('memory', '1Gi'), 1073741824n);
    assert.equal(amountOf('memory', '1.5k'), 1500n);
    assert.equal(amountOf('memory', '100m'), 1n);
    assert.equal(amountOf('memory', '1e3'), 1000n);
  });
  test('saturates at int64 like Quantity.Value', () => {
    assert.equal(amountOf('cpu', '1e30'), 9223372036854775807n);
  });
  test('formats like node status', () => {
    assert.equal(formatAmount('cpu', 2000n), '2');
    assert.equal(formatAmount('cpu', 1500n), '1500m');
    assert.equal(formatAmount('memory', 8217968640n), '8025360Ki');
    assert.equal(formatAmount('memory', 1073741824n), '1Gi');
    assert.equal(formatAmount('memory', 1000n), '1000');
    assert.equal(formatAmount('pods', 110n), '110');
  });
});

describe('pod requests', () => {
  test('sum of app containers', () => {
    const spec: PodSpec = { containers: [c('a', { cpu: '100m', memory: '64Mi' }), c('b', { cpu: '200m' }), c('c')] };
    assert.deepEqual(podRequests(spec), { cpu: 300n, memory: 64n << 20n });
  });
  test('a limit without a request counts as the request', () => {
    const spec: PodSpec = { containers: [c('a', undefined, { resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } })] };
    assert.deepEqual(podRequests(spec), { cpu: 500n, memory: 1n << 30n });
  });
  test('the largest init container wins over a smaller app sum', () => {
    const spec: PodSpec = { initContainers: [c('i1', { cpu: '2' }), c('i2', { memory: '1Gi' })], containers: [c('a', { cpu: '100m', memory: '10Mi' })] };
    assert.deepEqual(podRequests(spec), { cpu: 2000n, memory: 1n << 30n });
  });
  test('sidecars add to the app sum and to every later init container', () => {
    const spec: PodSpec = {
      initContainers: [
        c('early', { cpu: '300m' }),
        c('side', { cpu: '200m' }, { restartPolicy: 'Always' }),
        c('late', { cpu: '500m' }),
      ],
      containers: [c('a', { cpu: '100m' })],
    };
    // app + sidecar = 300m; init peak: late runs beside the sidecar = 700m.
    assert.deepEqual(podRequests(spec), { cpu: 700n });
    const small: PodSpec = { ...spec, initContainers: [c('side', { cpu: '200m' }, { restartPolicy: 'Always' }), c('late', { cpu: '50m' })] };
    assert.deepEqual(podRequests(small), { cpu: 300n });
  });
  test('pod-level requests replace the container sum for cpu and memory', () => {
    const spec: PodSpec = { resources: { requests: { cpu: '1' } }, containers: [c('a', { cpu: '100m', memory: '1Mi' })] };
    assert.deepEqual(podRequests(spec), { cpu: 1000n, memory: 1n << 20n });
  });
});
