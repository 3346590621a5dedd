// `staticlet node` prints the Node as staticlet computes it, like kubectl describe node, with the
// API-server state; `/node` serves the full description when the provider has one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { formatNode, nodeRoles, showNode } from '../../../src/cli/commands/node.js';
import { StatusSocketServer } from '../../../src/server/index.js';
import { captureOutput } from '../../helpers/streams.js';
import { initialNode, type NodeFacts, type RuntimeFacts } from '../../../src/node/node-object.js';
import { nodeLabels } from '../../../src/node/labels.js';
import { routeStatusRequestAsync } from '../../../src/server/routes.js';
import type { NodeDescription, StatusProvider } from '../../../src/server/types.js';
import type { NodeResources } from '../../../src/admission/index.js';

const NOW = Date.parse('2026-12-07T20:00:00Z');
const facts: NodeFacts = {
  nodeName: 'node-1',
  nodeIP: '10.0.0.5',
  port: 10250,
  labels: nodeLabels('node-1', { 'node-role.kubernetes.io/edge': '' }),
  taints: [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }],
  machine: { machineID: 'mid', systemUUID: 'uuid', bootID: 'boot', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64' },
  resources: { capacity: { cpu: 2000n, memory: 4n << 30n, pods: 110n }, allocatable: { cpu: 2000n, memory: 3n << 30n, pods: 110n } } as unknown as NodeResources,
  maxImages: 0,
};
const down: RuntimeFacts = { version: { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.7.20', runtimeApiVersion: 'v1' }, status: new Error('connect ENOENT /run/containerd/containerd.sock') };

function description(controlPlane: NodeDescription['controlPlane']): NodeDescription {
  return {
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    allocatable: { cpu: '2', memory: '3Gi', pods: '110' },
    requested: { cpu: '500m', memory: '256Mi', pods: '1' },
    limits: { cpu: '1', memory: '512Mi' },
    labels: facts.labels,
    waiting: [],
    node: initialNode(facts, down, NOW - 30_000),
    pods: [{ namespace: 'kube-system', name: 'etcd-node-1', requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' }, creationTimestamp: '2026-12-07T19:00:00Z' }],
    controlPlane,
  };
}

describe('staticlet node', () => {
  test('standalone: every describe-node section, computed here', () => {
    const text = formatNode(description({ mode: 'standalone' }), { now: NOW, timeZone: 'utc' });
    assert.match(text, /^Name: +node-1\nRoles: +edge\nLabels: +beta\.kubernetes\.io\/arch=/);
    assert.match(text, /\nAnnotations: +volumes\.kubernetes\.io\/controller-managed-attach-detach: true\n/);
    assert.match(text, /\nCreationTimestamp: +<not registered>\n/);
    assert.match(text, /\nTaints: +dedicated=edge:NoSchedule\n/);
    assert.match(text, /\nConditions:\n {2}Type +Status +LastHeartbeatTime +LastTransitionTime +Reason +Message\n/);
    assert.match(text, /\n {2}Ready +False +Mon, 07 Dec 2026 19:59:30 \+0000 +Mon, 07 Dec 2026 19:59:30 \+0000 +KubeletNotReady +container runtime is down: connect ENOENT/);
    assert.match(text, /\nAddresses:\n {2}InternalIP: +10\.0\.0\.5\n {2}Hostname: +node-1\n/);
    assert.match(text, /\nSystem Info:\n {2}Machine ID: +mid\n(.*\n)* {2}Container Runtime Version: +containerd:\/\/1\.7\.20\n {2}Kubelet Version: +v1\.\d+\.0\+staticlet\./);
    assert.match(text, /\nNon-terminated Pods: +\(1 in total\)\n.*\n.*\n {2}kube-system +etcd-node-1 +500m \(25%\) +1 \(50%\) +256Mi \(8%\) +512Mi \(16%\) +60m\n/);
    assert.match(text, /\nAllocated resources:\n {2}\(Total limits may be over 100 percent, i\.e\., overcommitted\.\)\n {2}Resource +Requests +Limits\n.*\n {2}cpu +500m \(25%\) +1 \(50%\)\n/);
    assert.match(text, /\nAPI Server:\n {2}Mode: +standalone/);
  });

  test('with an API server: registration, Lease, status patch, certificate, mirror pods', () => {
    const text = formatNode(
      description({
        mode: 'api-server',
        server: 'https://10.0.0.1:6443',
        registration: { registered: false, error: '403: nodes is forbidden: User "system:node:node-1" cannot create resource "nodes"', since: '2026-12-07T19:59:00Z' },
        lease: { lastRenewal: '2026-12-07T19:59:50Z', error: 'connect ECONNREFUSED' },
        status: { lastPatch: '2026-12-07T19:58:00Z', lastResult: 'ok' },
        certificate: { state: 'pending', csr: 'csr-abc', since: '2026-12-07T19:59:40Z' },
        servingCertificate: { state: 'issued', notAfter: '2027-12-07T19:59:00Z', since: '2026-12-07T19:59:30Z' },
        mirrorPods: { count: 2, rejected: [{ pod: 'default/web-node-1', reason: 'pods "web-node-1" is forbidden: not here' }] },
        events: { posted: 12, patched: 30, queued: 0, dropped: 4, spamFiltered: 0, refused: 1 },
      }),
      { now: NOW, timeZone: 'utc' },
    );
    assert.match(text, /\nAPI Server:\n {2}Server: +https:\/\/10\.0\.0\.1:6443\n/);
    assert.match(text, /\n {2}Registration: +not registered since Mon, 07 Dec 2026 19:59:00 \+0000 \(60s ago\): 403: nodes is forbidden/);
    assert.match(text, /\n {2}Lease Renewed: +Mon, 07 Dec 2026 19:59:50 \+0000 \(10s ago\) \(failing: connect ECONNREFUSED\)\n/);
    assert.match(text, /\n {2}Status Patched: +Mon, 07 Dec 2026 19:58:00 \+0000 \(2m ago\): ok\n/);
    assert.match(text, /\n {2}Certificate: +pending, csr csr-abc, since /);
    assert.match(text, /\n {2}Serving Certificate: +issued, expires Tue, 07 Dec 2027 19:59:00 \+0000, since /);
    assert.match(text, /\n {2}Mirror Pods: +2, 1 refused\n {4}default\/web-node-1: +pods "web-node-1" is forbidden: not here\n/);
    assert.match(text, /\n {2}Events Sent: +12 created, 30 repeats patched; 4 dropped \(queue full\), 1 refused\n/);
  });

  test('roles as kubectl finds them', () => {
    assert.equal(nodeRoles({ 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/edge': 'x', 'kubernetes.io/role': 'db' }), 'control-plane,db,edge');
    assert.equal(nodeRoles({}), '<none>');
  });

  test('/node serves the description when the provider has one, the summary otherwise', async () => {
    const d = description({ mode: 'standalone' });
    const base = { listPods: () => [], getPod: () => undefined, events: () => [], rejections: () => [], node: () => d };
    const full: StatusProvider = { ...base, describeNode: async () => d };
    const r = await routeStatusRequestAsync(full, 'GET', '/node');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).node.metadata.name, 'node-1');
    const early: StatusProvider = { ...base, node: () => undefined, describeNode: async () => undefined };
    assert.equal((await routeStatusRequestAsync(early, 'GET', '/node')).status, 503);
    assert.equal((await routeStatusRequestAsync(full, 'GET', '/pods')).status, 200);
  });

  test('-o json and -o yaml print the Node object through the status socket; text by default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'staticlet-node-'));
    const d = description({ mode: 'standalone' });
    const server = new StatusSocketServer({ listPods: () => [], getPod: () => undefined, events: () => [], rejections: () => [], node: () => d, describeNode: async () => d });
    try {
      const socket = join(dir, 'staticlet.sock');
      await server.start(socket);
      const json = captureOutput();
      assert.equal(await showNode({ statusSocket: socket, output: 'json' }, json.out), 0, json.stderr());
      assert.deepEqual(JSON.parse(json.stdout()), d.node);
      const yaml = captureOutput();
      assert.equal(await showNode({ statusSocket: socket, output: 'yaml' }, yaml.out), 0, yaml.stderr());
      const obj = parse(yaml.stdout()) as { kind: string; metadata: { name: string }; status: { conditions: Array<{ type: string }> } };
      assert.equal(obj.kind, 'Node');
      assert.equal(obj.metadata.name, 'node-1');
      assert.equal(obj.status.conditions.at(-1)?.type, 'Ready');
      const text = captureOutput();
      assert.equal(await showNode({ statusSocket: socket }, text.out), 0);
      assert.match(text.stdout(), /^Name: +node-1\n/);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
