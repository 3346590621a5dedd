import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodSpec } from '../../../src/api/generated/core-v1.js';
import { checkFit, type PodDemand } from '../../../src/admission/fit.js';
import { hostPorts, portsClash } from '../../../src/admission/ports.js';

const node = { cpu: 2000n, memory: 1000n, pods: 3n };
const pod = (requests: Record<string, bigint> = {}, ports: PodDemand['ports'] = []): PodDemand => ({ requests, ports });

describe('fit', () => {
  test('maxPods: the kubelet message with used and capacity', () => {
    assert.equal(checkFit(pod(), node, [pod(), pod()]), undefined);
    assert.deepEqual(checkFit(pod(), node, [pod(), pod(), pod()]), {
      reason: 'OutOfpods',
      message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
    });
  });
  test('cpu and memory against allocatable minus admitted requests', () => {
    assert.equal(checkFit(pod({ cpu: 1000n }), node, [pod({ cpu: 1000n })]), undefined);
    assert.deepEqual(checkFit(pod({ cpu: 1001n }), node, [pod({ cpu: 1000n })]), {
      reason: 'OutOfcpu',
      message: "Node didn't have enough resource: cpu, requested: 1001, used: 1000, capacity: 2000",
    });
    assert.equal(checkFit(pod({ memory: 1001n }), node, [])?.reason, 'OutOfmemory');
    assert.equal(checkFit(pod({ memory: 1001n }), node, [])?.message, "Node didn't have enough resource: memory, requested: 1001, used: 0, capacity: 1000");
  });
  test('a pod without requests fits even on a fully requested node', () => {
    assert.equal(checkFit(pod(), node, [pod({ cpu: 2000n, memory: 1000n })]), undefined);
  });
  test('pods is checked first, then cpu, then memory, then ports', () => {
    const full = [pod({}, [{ ip: '0.0.0.0', protocol: 'TCP', port: 80 }]), pod(), pod()];
    assert.equal(checkFit(pod({ cpu: 9000n }, [{ ip: '0.0.0.0', protocol: 'TCP', port: 80 }]), node, full)?.reason, 'OutOfpods');
    assert.equal(checkFit(pod({ cpu: 9000n, memory: 9000n }), node, [])?.reason, 'OutOfcpu');
    assert.equal(checkFit(pod({ memory: 9000n }, [{ ip: '0.0.0.0', protocol: 'TCP', port: 80 }]), node, [full[0]!])?.reason, 'OutOfmemory');
  });
  test('ephemeral-storage is only checked when the node reports it', () => {
    assert.equal(checkFit(pod({ 'ephemeral-storage': 10n }), node, []), undefined);
    assert.equal(checkFit(pod({ 'ephemeral-storage': 10n }), { ...node, 'ephemeral-storage': 5n }, [])?.reason, 'OutOfephemeral-storage');
  });
  test('host port clash: the NodePorts predicate', () => {
    const web = pod({}, [{ ip: '0.0.0.0', protocol: 'TCP', port: 8080 }]);
    assert.deepEqual(checkFit(web, node, [web]), {
      reason: 'NodePorts',
      message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    });
    assert.equal(checkFit(pod({}, [{ ip: '0.0.0.0', protocol: 'UDP', port: 8080 }]), node, [web]), undefined);
  });
});

describe('host ports', () => {
  test('hostIP "" and 0.0.0.0 clash with any IP; distinct IPs do not', () => {
    const any = { ip: '0.0.0.0', protocol: 'TCP', port: 53 };
    const a = { ip: '10.0.0.1', protocol: 'TCP', port: 53 };
    const b = { ip: '10.0.0.2', protocol: 'TCP', port: 53 };
    assert.ok(portsClash(any, a));
    assert.ok(portsClash(a, any));
    assert.ok(portsClash(a, { ...a }));
    assert.ok(!portsClash(a, b));
    assert.ok(!portsClash(a, { ...a, protocol: 'UDP' }));
    assert.ok(!portsClash(a, { ...a, port: 54 }));
  });
  test('only hostPorts count, defaults applied; on the host network every containerPort is one', () => {
    const spec: PodSpec = {
      initContainers: [
        { name: 'init', ports: [{ containerPort: 1, hostPort: 1001 }] },
        { name: 'side', restartPolicy: 'Always', ports: [{ containerPort: 2, hostPort: 1002, protocol: 'UDP' }] },
      ],
      containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 443, hostPort: 8443, hostIP: '127.0.0.1' }, { containerPort: 9, hostPort: 9, hostIP: '' }] }],
    };
    assert.deepEqual(hostPorts(spec), [
      { ip: '0.0.0.0', protocol: 'UDP', port: 1002 },
      { ip: '127.0.0.1', protocol: 'TCP', port: 8443 },
      { ip: '0.0.0.0', protocol: 'TCP', port: 9 },
    ]);
    const host: PodSpec = { hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: 2379 }] }] };
    assert.deepEqual(hostPorts(host), [{ ip: '0.0.0.0', protocol: 'TCP', port: 2379 }]);
  });
});
