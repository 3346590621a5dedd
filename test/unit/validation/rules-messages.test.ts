/**
 * Values from the manifest are quoted in messages: a newline or control character in a name
 * must not break the one-line `file: path: message` form (found by the manifest fuzz tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePod } from '../../../src/validation/index.js';
import { assertHasError, podWith, type Doc } from './helpers.js';

const NL = 'a\nb\u001b[31m';
const QUOTED = JSON.stringify(NL);

const cases: Array<{ name: string; mutate: (p: Doc) => void; path: string; fragment: string }> = [
  { name: 'mount of an unknown volume', mutate: (p) => (p.spec.containers[0].volumeMounts[0].name = NL), path: 'spec.containers[0].volumeMounts[0].name', fragment: `volume ${QUOTED} not found` },
  { name: 'duplicate mount path', mutate: (p) => p.spec.containers[0].volumeMounts.forEach((m: Doc) => (m.mountPath = `/x${NL}`)), path: 'spec.containers[0].volumeMounts[1].mountPath', fragment: `must be unique: ${JSON.stringify(`/x${NL}`)}` },
  { name: 'recursiveReadOnly value', mutate: (p) => (p.spec.containers[0].volumeMounts[1].recursiveReadOnly = NL), path: 'spec.containers[0].volumeMounts[1].recursiveReadOnly', fragment: `unsupported value ${QUOTED}` },
  { name: 'env fieldPath', mutate: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath = NL), path: 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', fragment: `unsupported value ${QUOTED}` },
  { name: 'env fieldRef apiVersion', mutate: (p) => (p.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion = NL), path: 'spec.containers[0].env[0].valueFrom.fieldRef.apiVersion', fragment: `unsupported value ${QUOTED}` },
  { name: 'capability', mutate: (p) => (p.spec.containers[0].securityContext.capabilities = { add: [NL] }), path: 'spec.containers[0].securityContext.capabilities.add[0]', fragment: `unknown capability ${QUOTED}` },
  { name: 'sysctl name', mutate: (p) => (p.spec.securityContext = { sysctls: [{ name: NL, value: '1' }] }), path: 'spec.securityContext.sysctls[0].name', fragment: `invalid value ${QUOTED}` },
  { name: 'os name', mutate: (p) => (p.spec.os = { name: NL }), path: 'spec.os.name', fragment: `unsupported value ${QUOTED}` },
  { name: 'init container restartPolicy', mutate: (p) => (p.spec.initContainers[0].restartPolicy = NL), path: 'spec.initContainers[0].restartPolicy', fragment: `unsupported value ${QUOTED}` },
  { name: 'emptyDir hugepages medium', mutate: (p) => (p.spec.volumes[0].emptyDir.medium = `HugePages-${NL}`), path: 'spec.volumes[0].emptyDir.medium', fragment: `${JSON.stringify(`HugePages-${NL}`)} is not supported` },
];

for (const c of cases) {
  test(`a control character in a value stays quoted on one line: ${c.name}`, () => {
    const errs = validatePod(podWith(c.mutate));
    assertHasError(errs, c.path, c.fragment);
    for (const e of errs) assert.doesNotMatch(e.message, /[\n\r\u001b]/, `${e.path}: ${JSON.stringify(e.message)}`);
  });
}

test('a long value is cut in the message', () => {
  const errs = validatePod(podWith((p) => (p.spec.containers[0].volumeMounts[0].name = 'v'.repeat(10_000))));
  const e = errs.find((x) => x.path === 'spec.containers[0].volumeMounts[0].name' && x.message.startsWith('volume "'));
  assert.ok(e, JSON.stringify(errs));
  assert.ok(e.message.length < 200, e.message);
  assert.match(e.message, /^volume "v{76}\.\.\. not found/);
});
