import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { containerConfig, ContainerConfigError } from '../../../src/pods/container-config.js';
import type { NodeContext } from '../../../src/node/context.js';

const node: NodeContext = {
  nodeName: 'node-1', hostIP: '10.0.0.5', rootDir: '/var/lib/staticlet', podLogsDir: '/var/log/pods',
  clusterDNS: [], resolvConf: '/etc/resolv.conf', runtimeName: 'containerd',
};

function pod(container: Record<string, unknown>, spec: Record<string, unknown> = {}): Pod {
  return { metadata: { name: 'web-node-1', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'app', image: 'busybox', ...container }], ...spec } } as Pod;
}
const build = (p: Pod, imageUser = { uid: 0, username: '' }) =>
  containerConfig({ pod: p, container: p.spec!.containers[0]!, restartCount: 0, imageRef: 'sha256:x', imageUser, node, podIPs: ['10.88.0.2'], volumes: new Map() });

describe('containerConfig', () => {
  test('env, expanded command and args, resources and security in one config', async () => {
    const cfg = await build(pod({
      command: ['sh', '-c', 'echo $(GREETING)'],
      args: ['$$(GREETING)', '$(POD_IP)'],
      env: [{ name: 'GREETING', value: 'hi' }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      resources: { requests: { cpu: '100m' }, limits: { memory: '32Mi' } },
      securityContext: { capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
    }, { securityContext: { runAsUser: 1000, supplementalGroups: [5] } }));
    assert.deepEqual(cfg.command, ['sh', '-c', 'echo hi']);
    assert.deepEqual(cfg.args, ['$(GREETING)', '10.88.0.2']);
    assert.deepEqual(cfg.envs, [{ key: 'GREETING', value: 'hi' }, { key: 'POD_IP', value: '10.88.0.2' }]);
    const r = cfg.linux!.resources!;
    assert.equal(r.cpuShares, 102);
    assert.equal(r.cpuQuota, 0);
    assert.equal(r.memoryLimitInBytes, 32 * 1024 * 1024);
    const sc = cfg.linux!.securityContext!;
    assert.equal(sc.runAsUser, 1000);
    assert.deepEqual(sc.supplementalGroups, [5]);
    assert.equal(sc.readonlyRootfs, true);
    assert.deepEqual(sc.capabilities, { add: [], drop: ['ALL'] });
    assert.deepEqual(sc.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  });
  test('what cannot be configured is a ContainerConfigError', async () => {
    await assert.rejects(build(pod({ securityContext: { runAsNonRoot: true } })), ContainerConfigError);
    await assert.rejects(build(pod({ env: [{ name: 'X', valueFrom: { resourceFieldRef: { containerName: 'nope', resource: 'limits.cpu' } } }] })), ContainerConfigError);
  });
});
