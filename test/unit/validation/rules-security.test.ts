import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validatePod } from '../../../src/validation/index.js';
import { hostAppArmorEnabled, sysctlAllowed } from '../../../src/validation/rules/security.js';
import { assertHasError, assertNoErrors, podWith, runCases } from './helpers.js';

const sc = 'spec.containers[0].securityContext';
runCases([
  { name: 'safe sysctls only', valid: (p) => (p.spec.securityContext = { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65000' }, { name: 'kernel/shm_rmid_forced', value: '1' }] }), invalid: (p) => (p.spec.securityContext = { sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] }), path: 'spec.securityContext.sysctls[0].name', fragment: 'allowedUnsafeSysctls' },
  { name: 'sysctl names', valid: () => undefined, invalid: (p) => (p.spec.securityContext = { sysctls: [{ name: 'Net.IPv4', value: '1' }] }), path: 'spec.securityContext.sysctls[0].name', fragment: 'must have at most 253 characters' },
  { name: 'sysctl duplicates', valid: () => undefined, invalid: (p) => (p.spec.securityContext = { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'net/ipv4/tcp_syncookies', value: '0' }] }), path: 'spec.securityContext.sysctls[1].name', fragment: 'duplicate' },
  { name: 'net sysctls and hostNetwork', valid: (p) => (p.spec.securityContext = { sysctls: [{ name: 'kernel.shm_rmid_forced', value: '1' }] }, p.spec.hostNetwork = true), invalid: (p) => ((p.spec.securityContext = { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] }), (p.spec.hostNetwork = true)), path: 'spec.securityContext.sysctls[0].name', fragment: "'hostNetwork' is true" },
  { name: 'hostUsers', valid: (p) => (p.spec.hostUsers = true), invalid: (p) => (p.spec.hostUsers = false), path: 'spec.hostUsers', fragment: 'containerd 1.6' },
  { name: 'procMount Unmasked', valid: (p) => (p.spec.containers[0].securityContext = { procMount: 'Default' }), invalid: (p) => (p.spec.containers[0].securityContext = { procMount: 'Unmasked' }), path: `${sc}.procMount`, fragment: '`hostUsers` must be false' },
  { name: 'capability names', valid: (p) => (p.spec.containers[0].securityContext = { capabilities: { add: ['NET_ADMIN', 'CAP_SYS_TIME', 'chown'], drop: ['ALL'] } }), invalid: (p) => (p.spec.containers[0].securityContext = { capabilities: { add: ['NET_ADMN'] } }), path: `${sc}.capabilities.add[0]`, fragment: 'unknown capability' },
  { name: 'pod windowsOptions', valid: () => undefined, invalid: (p) => (p.spec.securityContext = { windowsOptions: { runAsUserName: 'x' } }), path: 'spec.securityContext.windowsOptions', fragment: 'Linux containers only' },
  { name: 'container windowsOptions', valid: () => undefined, invalid: (p) => (p.spec.containers[0].securityContext = { windowsOptions: { hostProcess: false } }), path: `${sc}.windowsOptions`, fragment: 'Linux containers only' },
  { name: 'seLinuxOptions', valid: () => undefined, invalid: (p) => (p.spec.containers[0].securityContext = { seLinuxOptions: { level: 's0:c1' } }), path: `${sc}.seLinuxOptions`, fragment: 'SELinux labels are not supported' },
  { name: 'os', valid: (p) => (p.spec.os = { name: 'linux' }), invalid: (p) => (p.spec.os = { name: 'windows' }), path: 'spec.os.name', fragment: 'Linux pods only' },
  { name: 'seccomp Localhost needs a profile', valid: (p) => (p.spec.securityContext = { seccompProfile: { type: 'Localhost', localhostProfile: 'audit.json' } }), invalid: (p) => (p.spec.securityContext = { seccompProfile: { type: 'Localhost' } }), path: 'spec.securityContext.seccompProfile.localhostProfile', fragment: 'required' },
  { name: 'seccomp Localhost stays under the profile root', valid: () => undefined, invalid: (p) => (p.spec.containers[0].securityContext = { seccompProfile: { type: 'Localhost', localhostProfile: '../etc/x.json' } }), path: `${sc}.seccompProfile.localhostProfile`, fragment: 'relative path' },
  { name: 'supplementalGroupsPolicy', valid: (p) => (p.spec.securityContext = { supplementalGroupsPolicy: 'Merge' }), invalid: (p) => (p.spec.securityContext = { supplementalGroupsPolicy: 'Strict' }), path: 'spec.securityContext.supplementalGroupsPolicy', fragment: 'containerd 1.6' },
  { name: 'fileKeyRef', valid: () => undefined, invalid: (p) => (p.spec.containers[0].env = [{ name: 'X', valueFrom: { fileKeyRef: { volumeName: 'data', path: 'a.env', key: 'X' } } }]), path: 'spec.containers[0].env[0].valueFrom.fileKeyRef', fragment: 'EnvFiles' },
]);

describe('node-dependent security rules', () => {
  test('allowedUnsafeSysctls admits listed names and prefix patterns, never non-namespaced ones', () => {
    assert.ok(sysctlAllowed('net.core.somaxconn', ['net.core.somaxconn']));
    assert.ok(sysctlAllowed('kernel.msgmax', ['kernel.msg*']));
    assert.ok(!sysctlAllowed('kernel.msgmax', ['kernel.sem']));
    const pod = podWith((p) => (p.spec.securityContext = { sysctls: [{ name: 'net.core.somaxconn', value: '1' }, { name: 'vm.swappiness', value: '1' }] }));
    const errs = validatePod(pod, { allowedUnsafeSysctls: ['net.core.*', 'vm.swappiness'] });
    assert.equal(errs.filter((e) => e.path === 'spec.securityContext.sysctls[0].name').length, 0);
    assertHasError(errs, 'spec.securityContext.sysctls[1].name', 'not namespaced');
  });
  test('AppArmor profiles other than Unconfined are refused where AppArmor is off', () => {
    const pod = podWith((p) => (p.spec.containers[0].securityContext = { appArmorProfile: { type: 'RuntimeDefault' } }));
    assertHasError(validatePod(pod, { appArmorEnabled: false }), `${sc}.appArmorProfile.type`, 'AppArmor is not enabled on the host');
    assertNoErrors(validatePod(pod, { appArmorEnabled: true }));
    assertNoErrors(validatePod(pod));
    const unconfined = podWith((p) => (p.spec.securityContext = { appArmorProfile: { type: 'Unconfined' } }));
    assertNoErrors(validatePod(unconfined, { appArmorEnabled: false }));
  });
  test('host AppArmor detection', () => {
    assert.equal(hostAppArmorEnabled('/nonexistent'), false);
  });
});
