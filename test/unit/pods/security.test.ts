import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Container, Pod } from '../../../src/api/generated/core-v1.js';
import { ContainerConfigError } from '../../../src/pods/config-error.js';
import { sandboxSecurityContext } from '../../../src/pods/sandbox-config.js';
import { appArmorProfile, containerSecurityContext, criCapability, DEFAULT_MASKED_PATHS, podSysctls } from '../../../src/pods/security.js';

function pod(c: Partial<Container>, spec: Partial<NonNullable<Pod['spec']>> = {}): { pod: Pod; container: Container } {
  const container: Container = { name: 'app', image: 'busybox', ...c };
  return { pod: { metadata: { name: 'web-node-1', namespace: 'default', uid: 'u1' }, spec: { containers: [container], ...spec } }, container };
}
const root = { uid: 0, username: '' };

describe('containerSecurityContext', () => {
  test('container fields win over the pod; fsGroup joins the supplemental groups', () => {
    const p = pod({ securityContext: { runAsUser: 1001 } }, { securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000] } });
    const sc = containerSecurityContext({ ...p, imageUser: root, rootDir: '/r' });
    assert.equal(sc.runAsUser, 1001);
    assert.equal(sc.runAsGroup, 3000);
    assert.deepEqual(sc.supplementalGroups, [2000, 4000, 5000]);
  });
  test('the image user is passed on when no runAsUser is set', () => {
    assert.equal(containerSecurityContext({ ...pod({}), imageUser: { uid: 65534, username: '' }, rootDir: '/r' }).runAsUser, 65534);
    const named = containerSecurityContext({ ...pod({}), imageUser: { username: 'nginx' }, rootDir: '/r' });
    assert.equal(named.runAsUser, undefined);
    assert.equal(named.runAsUsername, 'nginx');
  });
  test('runAsNonRoot: refused for root images, runAsUser 0 and non-numeric users', () => {
    const nonRoot = { securityContext: { runAsNonRoot: true } };
    assert.throws(() => containerSecurityContext({ ...pod(nonRoot), imageUser: root, rootDir: '/r' }), (e: Error) => e instanceof ContainerConfigError && /container has runAsNonRoot and image will run as root \(pod: "web-node-1_default\(u1\)", container: app\)/.test(e.message));
    assert.throws(() => containerSecurityContext({ ...pod({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }), imageUser: root, rootDir: '/r' }), /runAsUser breaks non-root policy/);
    assert.throws(() => containerSecurityContext({ ...pod(nonRoot), imageUser: { username: 'app' }, rootDir: '/r' }), /non-numeric user \(app\)/);
    assert.throws(() => containerSecurityContext({ ...pod(nonRoot), rootDir: '/r' }), /will run as root/, 'unknown image user counts as root');
    assert.equal(containerSecurityContext({ ...pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }), imageUser: root, rootDir: '/r' }).runAsUser, 1000);
    assert.equal(containerSecurityContext({ ...pod({}, { securityContext: { runAsNonRoot: true } }), imageUser: { uid: 10, username: '' }, rootDir: '/r' }).runAsUser, 10);
  });
  test('capabilities go out in CRI form, whichever way they were written', () => {
    assert.equal(criCapability('CAP_NET_ADMIN'), 'NET_ADMIN');
    assert.equal(criCapability('net_bind_service'), 'NET_BIND_SERVICE');
    const sc = containerSecurityContext({ ...pod({ securityContext: { capabilities: { add: ['CAP_NET_BIND_SERVICE'], drop: ['ALL'] } } }), rootDir: '/r' });
    assert.deepEqual(sc.capabilities, { add: ['NET_BIND_SERVICE'], drop: ['ALL'] });
  });
  test('no_new_privs only for an explicit allowPrivilegeEscalation: false', () => {
    assert.equal(containerSecurityContext({ ...pod({}), rootDir: '/r' }).noNewPrivs, undefined);
    assert.equal(containerSecurityContext({ ...pod({ securityContext: { allowPrivilegeEscalation: true } }), rootDir: '/r' }).noNewPrivs, undefined);
    assert.equal(containerSecurityContext({ ...pod({ securityContext: { allowPrivilegeEscalation: false } }), rootDir: '/r' }).noNewPrivs, true);
  });
  test('procMount Default masks the kubelet paths; Unmasked sends empty lists', () => {
    assert.deepEqual(containerSecurityContext({ ...pod({}), rootDir: '/r' }).maskedPaths, DEFAULT_MASKED_PATHS);
    const un = containerSecurityContext({ ...pod({ securityContext: { procMount: 'Unmasked' } }), rootDir: '/r' });
    assert.deepEqual([un.maskedPaths, un.readonlyPaths], [[], []]);
  });
  test('seccomp: container over pod, Unconfined by default, Localhost under <rootDir>/seccomp', () => {
    assert.deepEqual(containerSecurityContext({ ...pod({}), rootDir: '/r' }).seccomp, { type: 'Unconfined' });
    const p = pod({}, { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'prof.json' } } });
    assert.deepEqual(containerSecurityContext({ ...p, rootDir: '/r' }).seccomp, { type: 'Localhost', localhostRef: '/r/seccomp/prof.json' });
    const q = pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, p.pod.spec);
    assert.deepEqual(containerSecurityContext({ ...q, rootDir: '/r' }).seccomp, { type: 'RuntimeDefault' });
  });
  test('privileged and read-only rootfs pass through', () => {
    const sc = containerSecurityContext({ ...pod({ securityContext: { privileged: true, readOnlyRootFilesystem: true } }), rootDir: '/r' });
    assert.equal(sc.privileged, true);
    assert.equal(sc.readonlyRootfs, true);
  });
});

describe('appArmorProfile', () => {
  test('field, then the deprecated annotation, then the pod field', () => {
    assert.deepEqual(appArmorProfile(pod({}).pod, pod({}).container), {});
    const p = pod({ securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-x' } } });
    assert.deepEqual(appArmorProfile(p.pod, p.container), { apparmor: { type: 'Localhost', localhostRef: 'k8s-x' }, apparmorProfile: 'localhost/k8s-x' });
    const q = pod({}, { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } });
    q.pod.metadata!.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' };
    assert.deepEqual(appArmorProfile(q.pod, q.container), { apparmor: { type: 'Unconfined' }, apparmorProfile: 'unconfined' });
  });
});

describe('sandbox', () => {
  test('privileged when any container is; seccomp always RuntimeDefault; pod ids and groups', () => {
    const p = pod({ securityContext: { privileged: true } }, { securityContext: { runAsUser: 5, runAsGroup: 6, fsGroup: 7, seccompProfile: { type: 'Unconfined' } } });
    const sc = sandboxSecurityContext(p.pod);
    assert.equal(sc.privileged, true);
    assert.deepEqual(sc.seccomp, { type: 'RuntimeDefault' });
    assert.equal(sc.runAsUser, 5);
    assert.equal(sc.runAsGroup, 6);
    assert.deepEqual(sc.supplementalGroups, [7]);
    assert.equal(sandboxSecurityContext(pod({}).pod).privileged, false);
  });
  test('sysctls use dotted names', () => {
    const p = pod({}, { securityContext: { sysctls: [{ name: 'net/ipv4/ip_local_port_range', value: '1024 65000' }, { name: 'kernel.shm_rmid_forced', value: '1' }] } });
    assert.deepEqual(podSysctls(p.pod), { 'net.ipv4.ip_local_port_range': '1024 65000', 'kernel.shm_rmid_forced': '1' });
  });
});
