import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePod } from '../../../src/validation/index.js';
import { podWith } from './helpers.js';

test('a manifest with three mistakes yields all three errors', () => {
  const errs = validatePod(
    podWith((p) => {
      p.spec.containers[1].name = 'web'; // duplicate container name
      p.spec.containers[0].livenessProbe.successThreshold = 3; // liveness must be 1
      p.spec.volumes.push({ name: 'creds', secret: { secretName: 'db' } }); // static pods cannot use secrets
    }),
  );
  assert.deepEqual(
    errs.map((e) => e.path),
    ['spec.containers[0].livenessProbe.successThreshold', 'spec.containers[1].name', 'spec.volumes[2].secret'],
  );
});

test('three structural mistakes are all reported too', () => {
  const errs = validatePod(
    podWith((p) => {
      p.spec.containers[0].ports[0].containerPort = 'eighty';
      p.spec.containers[1].imagePullPolicy = 'Sometimes';
      p.spec.volumes[0].emptyDir.size = '1Gi';
    }),
  );
  assert.deepEqual(
    errs.map((e) => e.path),
    ['spec.containers[0].ports[0].containerPort', 'spec.containers[1].imagePullPolicy', 'spec.volumes[0].emptyDir.size'],
  );
});
