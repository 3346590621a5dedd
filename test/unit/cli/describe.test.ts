import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { describeCommand } from '../../../src/cli/commands/describe.js';
import { describePod, writeEvents } from '../../../src/cli/describe-format.js';
import { PrefixWriter, rfc1123z } from '../../../src/cli/describe-writer.js';
import { describeProbe } from '../../../src/cli/describe-containers.js';
import { main } from '../../../src/cli/main.js';
import type { PodEvent } from '../../../src/events/types.js';
import { StatusSocketServer } from '../../../src/server/index.js';
import { FakeStatusProvider, minimalPod } from '../server/fake-provider.js';
import { captureOutput } from '../../helpers/streams.js';

const NOW = Date.parse('2026-11-25T10:05:00Z');

const ETCD: Pod = {
  metadata: {
    name: 'etcd-edge-1',
    namespace: 'kube-system',
    uid: 'uid-etcd',
    creationTimestamp: '2026-11-25T10:00:00Z',
    labels: { component: 'etcd', tier: 'control-plane' },
    annotations: { 'kubernetes.io/config.source': 'file', 'kubernetes.io/config.hash': '6b3c1a' },
  },
  spec: {
    nodeName: 'edge-1',
    priority: 2000001000,
    priorityClassName: 'system-node-critical',
    hostNetwork: true,
    initContainers: [{ name: 'prepare', image: 'busybox:1.36', command: ['sh', '-c', 'mkdir -p /var/lib/etcd'], volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }] }],
    containers: [
      {
        name: 'etcd',
        image: 'registry.k8s.io/etcd:3.5.15-0',
        command: ['etcd'],
        args: ['--data-dir=/var/lib/etcd', '--listen-client-urls=https://127.0.0.1:2379'],
        ports: [{ containerPort: 2379 }, { containerPort: 2380, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '100Mi' } },
        livenessProbe: { httpGet: { host: '127.0.0.1', path: '/livez', port: 2381 }, initialDelaySeconds: 10, failureThreshold: 8, timeoutSeconds: 15 },
        env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        volumeMounts: [
          { name: 'data', mountPath: '/var/lib/etcd' },
          { name: 'certs', mountPath: '/etc/kubernetes/pki/etcd', readOnly: true },
        ],
      },
    ],
    volumes: [
      { name: 'certs', hostPath: { path: '/etc/kubernetes/pki/etcd', type: 'DirectoryOrCreate' } },
      { name: 'data', hostPath: { path: '/var/lib/etcd', type: 'DirectoryOrCreate' } },
    ],
    tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
  },
  status: {
    phase: 'Running',
    hostIP: '10.0.0.5',
    podIP: '10.0.0.5',
    podIPs: [{ ip: '10.0.0.5' }],
    startTime: '2026-11-25T10:00:00Z',
    qosClass: 'Burstable',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'False' },
      { type: 'ContainersReady', status: 'False' },
      { type: 'PodScheduled', status: 'True' },
    ],
    initContainerStatuses: [
      {
        name: 'prepare',
        image: 'busybox:1.36',
        imageID: 'sha256:aaa',
        containerID: 'containerd://i1',
        ready: true,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-11-25T10:00:01Z', finishedAt: '2026-11-25T10:00:02Z' } },
      },
    ],
    containerStatuses: [
      {
        name: 'etcd',
        image: 'registry.k8s.io/etcd:3.5.15-0',
        imageID: 'sha256:bbb',
        containerID: 'containerd://c2',
        ready: false,
        restartCount: 3,
        started: false,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
        lastState: {
          terminated: { exitCode: 1, reason: 'Error', message: 'member has already been bootstrapped', startedAt: '2026-11-25T10:04:40Z', finishedAt: '2026-11-25T10:04:48Z' },
        },
      },
    ],
  },
};

function ev(type: PodEvent['type'], reason: string, message: string, count: number, first: string, last: string, fieldPath?: string): PodEvent {
  return {
    type,
    reason,
    message,
    count,
    firstTimestamp: first,
    lastTimestamp: last,
    involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'kube-system', name: 'etcd-edge-1', uid: 'uid-etcd', ...(fieldPath ? { fieldPath } : {}) },
    source: { component: 'staticlet', host: 'edge-1' },
  };
}

// Given out of order on purpose: describe sorts by last occurrence, as kubectl does.
const EVENTS: PodEvent[] = [
  ev('Normal', 'Pulled', 'Container image "registry.k8s.io/etcd:3.5.15-0" already present on machine', 4, '2026-11-25T10:00:03Z', '2026-11-25T10:04:40Z', 'spec.containers{etcd}'),
  ev('Normal', 'Scheduled', 'Successfully assigned kube-system/etcd-edge-1 to edge-1', 1, '2026-11-25T10:00:00Z', '2026-11-25T10:00:00Z'),
  ev('Warning', 'BackOff', 'Back-off restarting failed container etcd in pod etcd-edge-1_kube-system(uid-etcd)', 3, '2026-11-25T10:02:00Z', '2026-11-25T10:04:50Z', 'spec.containers{etcd}'),
];

const EXPECTED = [
      'Name:                 etcd-edge-1',
      'Namespace:            kube-system',
      'Priority:             2000001000',
      'Priority Class Name:  system-node-critical',
      'Node:                 edge-1/10.0.0.5',
      'Start Time:           Wed, 25 Nov 2026 10:00:00 +0000',
      'Labels:               component=etcd',
      '                      tier=control-plane',
      'Annotations:          kubernetes.io/config.hash: 6b3c1a',
      '                      kubernetes.io/config.source: file',
      'Status:               Running',
      'IP:                   10.0.0.5',
      'IPs:',
      '  IP:  10.0.0.5',
      'Init Containers:',
      '  prepare:',
      '    Container ID:  containerd://i1',
      '    Image:         busybox:1.36',
      '    Image ID:      sha256:aaa',
      '    Port:          <none>',
      '    Host Port:     <none>',
      '    Command:',
      '      sh',
      '      -c',
      '      mkdir -p /var/lib/etcd',
      '    State:          Terminated',
      '      Reason:       Completed',
      '      Exit Code:    0',
      '      Started:      Wed, 25 Nov 2026 10:00:01 +0000',
      '      Finished:     Wed, 25 Nov 2026 10:00:02 +0000',
      '    Ready:          True',
      '    Restart Count:  0',
      '    Environment:    <none>',
      '    Mounts:',
      '      /var/lib/etcd from data (rw)',
      'Containers:',
      '  etcd:',
      '    Container ID:  containerd://c2',
      '    Image:         registry.k8s.io/etcd:3.5.15-0',
      '    Image ID:      sha256:bbb',
      '    Ports:         2379/TCP, 2380/TCP',
      '    Host Ports:    0/TCP, 0/TCP',
      '    Command:',
      '      etcd',
      '    Args:',
      '      --data-dir=/var/lib/etcd',
      '      --listen-client-urls=https://127.0.0.1:2379',
      '    State:          Waiting',
      '      Reason:       CrashLoopBackOff',
      '    Last State:     Terminated',
      '      Reason:       Error',
      '      Message:      member has already been bootstrapped',
      '      Exit Code:    1',
      '      Started:      Wed, 25 Nov 2026 10:04:40 +0000',
      '      Finished:     Wed, 25 Nov 2026 10:04:48 +0000',
      '    Ready:          False',
      '    Restart Count:  3',
      '    Requests:',
      '      cpu:     100m',
      '      memory:  100Mi',
      '    Liveness:  http-get http://127.0.0.1:2381/livez delay=10s timeout=15s period=10s #success=1 #failure=8',
      '    Environment:',
      '      NODE:  edge-1 (v1:spec.nodeName)',
      '    Mounts:',
      '      /etc/kubernetes/pki/etcd from certs (ro)',
      '      /var/lib/etcd from data (rw)',
      'Conditions:',
      '  Type                        Status',
      '  PodReadyToStartContainers   True ',
      '  Initialized                 True ',
      '  Ready                       False ',
      '  ContainersReady             False ',
      '  PodScheduled                True ',
      'Volumes:',
      '  certs:',
      '    Type:          HostPath (bare host directory volume)',
      '    Path:          /etc/kubernetes/pki/etcd',
      '    HostPathType:  DirectoryOrCreate',
      '  data:',
      '    Type:          HostPath (bare host directory volume)',
      '    Path:          /var/lib/etcd',
      '    HostPathType:  DirectoryOrCreate',
      'QoS Class:         Burstable',
      'Node-Selectors:    <none>',
      'Tolerations:       :NoExecute op=Exists',
      'Events:',
      '  Type     Reason     Age                  From       Message',
      '  ----     ------     ----                 ----       -------',
      '  Normal   Scheduled  5m                   staticlet  Successfully assigned kube-system/etcd-edge-1 to edge-1',
      '  Normal   Pulled     20s (x4 over 4m57s)  staticlet  Container image "registry.k8s.io/etcd:3.5.15-0" already present on machine',
      '  Warning  BackOff    10s (x3 over 3m)     staticlet  Back-off restarting failed container etcd in pod etcd-edge-1_kube-system(uid-etcd)',
  '',
].join('\n');

describe('describe output', () => {
  test('a crash-looping pod with an init container and events, in kubectl describe layout', () => {
    assert.equal(describePod(ETCD, EVENTS, { now: NOW, timeZone: 'utc' }), EXPECTED);
  });

  test('no events, terminating, reason and message, no IPs', () => {
    const pod: Pod = {
      metadata: { name: 'web', namespace: 'default', deletionTimestamp: '2026-11-25T10:04:30Z', deletionGracePeriodSeconds: 30 },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
      status: { phase: 'Running', reason: 'Evicted', message: 'The node was low on resource: memory.' },
    };
    assert.equal(
      describePod(pod, [], { now: NOW, timeZone: 'utc' }),
      [
        'Name:                      web',
        'Namespace:                 default',
        'Node:                      <none>',
        'Labels:                    <none>',
        'Annotations:               <none>',
        'Status:                    Terminating (lasts 30s)',
        'Termination Grace Period:  30s',
        'Reason:                    Evicted',
        'Message:                   The node was low on resource: memory.',
        'IP:                        ',
        'IPs:                       <none>',
        'Containers:',
        '  web:',
        '    Image:        nginx',
        '    Port:         <none>',
        '    Host Port:    <none>',
        '    Environment:  <none>',
        '    Mounts:       <none>',
        'Volumes:          <none>',
        'QoS Class:        BestEffort',
        'Node-Selectors:   <none>',
        'Tolerations:      <none>',
        'Events:           <none>',
        '',
      ].join('\n'),
    );
  });

  test('a single occurrence shows its age; the message is trimmed', () => {
    const w = new PrefixWriter();
    writeEvents(w, [ev('Warning', 'Failed', '  Error: ErrImagePull  ', 1, '2026-11-25T10:04:55Z', '2026-11-25T10:04:55Z')], NOW);
    assert.equal(w.render(), 'Events:\n  Type     Reason  Age   From       Message\n  ----     ------  ----  ----       -------\n  Warning  Failed  5s    staticlet  Error: ErrImagePull\n');
  });

  test('times are RFC 1123 with numeric zone, like Go time.RFC1123Z', () => {
    assert.equal(rfc1123z('2026-01-05T07:08:09Z', { timeZone: 'utc' }), 'Mon, 05 Jan 2026 07:08:09 +0000');
    assert.equal(rfc1123z(undefined, { timeZone: 'utc' }), 'Mon, 01 Jan 0001 00:00:00 +0000');
  });

  test('probes are described with API defaults filled in', () => {
    assert.equal(describeProbe({ exec: { command: ['pg_isready', '-U', 'postgres'] } }), 'exec [pg_isready -U postgres] delay=0s timeout=1s period=10s #success=1 #failure=3');
    assert.equal(describeProbe({ tcpSocket: { port: 5432 }, periodSeconds: 5 }), 'tcp-socket :5432 delay=0s timeout=1s period=5s #success=1 #failure=3');
    assert.equal(describeProbe({ httpGet: { port: 'http', path: '/', scheme: 'HTTPS' } }), 'http-get https://:http/ delay=0s timeout=1s period=10s #success=1 #failure=3');
  });
});

describe('staticlet describe (against a live status socket)', () => {
  let dir: string;
  let socket: string;
  const provider = new FakeStatusProvider(
    [ETCD, { ...minimalPod('default', 'web-edge-1'), spec: { nodeName: 'edge-1', containers: [{ name: 'main', image: 'busybox' }] } }, minimalPod('a', 'dup'), minimalPod('b', 'dup')],
    { 'uid-etcd': EVENTS },
  );
  const server = new StatusSocketServer(provider);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-'));
    socket = join(dir, 'staticlet.sock');
    await server.start(socket);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (pod: string, opts: { namespace?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
    const c = captureOutput();
    const code = await describeCommand(pod, { statusSocket: socket, timeZone: 'utc', ...opts }, c.out, () => NOW);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };

  test('namespace/name fetches the pod and its events', async () => {
    const r = await run('kube-system/etcd-edge-1');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, EXPECTED);
  });

  test('a bare name not in "default" is found when exactly one namespace has it', async () => {
    const r = await run('etcd-edge-1');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, EXPECTED);
    const web = await run('web-edge-1');
    assert.equal(web.code, 0);
    // The name as written in the manifest, without the node suffix.
    const short = await run('web');
    assert.equal(short.code, 0, short.stderr);
    assert.match(short.stdout, /^Name:\s+web-edge-1$/m);
    assert.match(web.stdout, /^Name: +web-edge-1\nNamespace: +default\n/);
    assert.match(web.stdout, /Events: +<none>\n$/);
  });

  test('missing pods exit 1 with pod "x" not found', async () => {
    const r = await run('nope');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'staticlet describe: pod "nope" not found\n');
    const wrongNs = await run('etcd-edge-1', { namespace: 'default' });
    assert.equal(wrongNs.code, 1);
    assert.equal(wrongNs.stderr, 'staticlet describe: pod "etcd-edge-1" not found in namespace "default"\n');
    const ambiguous = await run('dup');
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /pod "dup" is ambiguous: a\/dup, b\/dup; use namespace\/name/);
  });

  test('a malformed pod argument is a usage error', async () => {
    assert.equal((await run('a/b/c')).code, 2);
    assert.equal((await run('/x')).code, 2);
  });

  test('an unreachable socket exits 1 with a hint', async () => {
    const c = captureOutput();
    const missing = join(dir, 'none.sock');
    assert.equal(await describeCommand('web', { statusSocket: missing }, c.out, () => NOW), 1);
    assert.equal(c.stderr(), `staticlet describe: cannot reach staticlet at ${missing}: is "staticlet run" running? (use --root-dir or --status-socket)\n`);
  });

  test('the command is registered in main', async () => {
    assert.equal(await main(['describe', 'nope', '--status-socket', socket]), 1);
    assert.equal(await main(['describe']), 2);
  });
});
