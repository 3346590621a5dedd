import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { chooseContainer } from '../../../src/cli/commands/logs.js';
import { routeStatusRequest } from '../../../src/server/routes.js';
import type { StatusProvider } from '../../../src/server/types.js';

const pod = (containers: string[], init: string[] = [], annotations?: Record<string, string>): Pod => ({
  metadata: { name: 'web-node-1', namespace: 'default', uid: 'u1', ...(annotations ? { annotations } : {}) },
  spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
});

describe('staticlet logs: container choice and log directory route', () => {
  test('the only container, the named one, or the default-container annotation', () => {
    assert.deepEqual(chooseContainer(pod(['a']), undefined), { name: 'a' });
    assert.deepEqual(chooseContainer(pod(['a', 'b'], ['i']), 'i'), { name: 'i' });
    assert.deepEqual(chooseContainer(pod(['a', 'b'], [], { 'kubectl.kubernetes.io/default-container': 'b' }), undefined), { name: 'b' });
  });

  test('errors name the choices as kubectl does', () => {
    assert.deepEqual(chooseContainer(pod(['a', 'b'], ['i']), undefined), {
      error: 'a container name must be specified for pod web-node-1, choose one of: [a b] or one of the init containers: [i]',
    });
    assert.deepEqual(chooseContainer(pod(['a', 'b']), undefined), { error: 'a container name must be specified for pod web-node-1, choose one of: [a b]' });
    assert.deepEqual(chooseContainer(pod(['a']), 'zz'), { error: 'container zz is not valid for pod web-node-1' });
  });

  test('GET /pods/{ns}/{name}/log-directory', () => {
    const p = pod(['a']);
    const provider: StatusProvider = {
      listPods: () => [p],
      getPod: (ns, name) => (ns === 'default' && name === 'web-node-1' ? p : undefined),
      events: () => [],
      rejections: () => [],
      podLogDirectory: (x) => `/var/log/pods/default_web-node-1_${x.metadata!.uid!}`,
    };
    const r = routeStatusRequest(provider, 'GET', '/pods/default/web-node-1/log-directory');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { directory: '/var/log/pods/default_web-node-1_u1' });
    assert.equal(routeStatusRequest(provider, 'GET', '/pods/default/nope/log-directory').status, 404);
    const { podLogDirectory: _, ...without } = provider;
    assert.equal(routeStatusRequest(without, 'GET', '/pods/default/web-node-1/log-directory').status, 404);
  });
});
