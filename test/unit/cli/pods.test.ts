import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerStatus, Pod } from '../../../src/api/generated/core-v1.js';
import { listPods } from '../../../src/cli/commands/pods.js';
import { humanDuration } from '../../../src/cli/human-duration.js';
import { main } from '../../../src/cli/main.js';
import { summarizePod } from '../../../src/cli/pod-status.js';
import { formatPodTable, formatRejections } from '../../../src/cli/pod-table.js';
import { tabulate } from '../../../src/cli/tabwriter.js';
import { StatusSocketServer, statusSocketPath } from '../../../src/server/index.js';
import type { RejectionView } from '../../../src/server/types.js';
import { FakeStatusProvider } from '../server/fake-provider.js';
import { captureOutput } from '../../helpers/streams.js';

const NOW = Date.parse('2026-11-25T10:05:00Z');
const at = (secondsBeforeNow: number): string => new Date(NOW - secondsBeforeNow * 1000).toISOString().replace('.000Z', 'Z');

function running(name: string, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, image: 'busybox', imageID: 'sha256:1', ready: true, restartCount: 0, started: true, state: { running: { startedAt: at(290) } }, ...extra };
}

type Phase = NonNullable<Pod['status']>['phase'];

function pod(name: string, opts: { namespace?: string; phase?: Phase } & Partial<Pod> = {}): Pod {
  const { namespace = 'default', phase = 'Running', ...rest } = opts;
  return {
    metadata: { namespace, name, uid: `uid-${name}`, creationTimestamp: at(300) },
    spec: { nodeName: 'edge-1', containers: [{ name: 'main', image: 'busybox' }] },
    status: {
      phase,
      podIP: '10.0.0.5',
      podIPs: [{ ip: '10.0.0.5' }],
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: [running('main')],
    },
    ...rest,
  };
}

const withStatus = (p: Pod, status: Partial<NonNullable<Pod['status']>>): Pod => ({ ...p, status: { ...p.status, ...status } });

const FIXTURES = {
  running: pod('web-edge-1'),
  crashLoop: withStatus(pod('api-edge-1'), {
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
    containerStatuses: [
      {
        name: 'main',
        image: 'busybox',
        imageID: 'sha256:1',
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: at(20), finishedAt: at(12) } },
      },
    ],
  }),
  init: {
    ...pod('db-edge-1', { phase: 'Pending' }),
    spec: {
      nodeName: 'edge-1',
      initContainers: [
        { name: 'migrate', image: 'busybox' },
        { name: 'seed', image: 'busybox' },
      ],
      containers: [{ name: 'main', image: 'postgres' }],
    },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'Initialized', status: 'False' }],
      initContainerStatuses: [
        { name: 'migrate', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'seed', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { running: { startedAt: at(5) } } },
      ],
      containerStatuses: [{ name: 'main', image: 'postgres', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    },
  } satisfies Pod,
} as const;

function initPod(name: string, initState: ContainerStatus['state'], restartCount = 0): Pod {
  return {
    ...FIXTURES.init,
    metadata: { ...FIXTURES.init.metadata, name },
    status: {
      ...FIXTURES.init.status,
      initContainerStatuses: [{ name: 'migrate', image: 'busybox', imageID: '', ready: false, restartCount, state: initState }],
    },
  };
}

describe('STATUS, READY and RESTARTS follow kubectl', () => {
  const cells = (p: Pod): [string, string, string] => {
    const s = summarizePod(p, NOW);
    return [s.ready, s.status, s.restarts];
  };

  test('running', () => {
    assert.deepEqual(cells(FIXTURES.running), ['1/1', 'Running', '0']);
  });

  test('crash-looping: the waiting reason, restarts with the time of the last one', () => {
    assert.deepEqual(cells(FIXTURES.crashLoop), ['0/1', 'CrashLoopBackOff', '3 (12s ago)']);
  });

  test('init containers: Init:N/M, Init:<reason>, Init:Signal, Init:ExitCode, PodInitializing', () => {
    assert.deepEqual(cells(FIXTURES.init), ['0/1', 'Init:1/2', '0']);
    assert.deepEqual(cells(initPod('a', { terminated: { exitCode: 1, reason: 'Error' } }, 2)), ['0/1', 'Init:Error', '2']);
    assert.deepEqual(cells(initPod('b', { waiting: { reason: 'CrashLoopBackOff' } })), ['0/1', 'Init:CrashLoopBackOff', '0']);
    assert.deepEqual(cells(initPod('c', { terminated: { exitCode: 137, signal: 9 } })), ['0/1', 'Init:Signal:9', '0']);
    assert.deepEqual(cells(initPod('d', { terminated: { exitCode: 3 } })), ['0/1', 'Init:ExitCode:3', '0']);
    assert.deepEqual(cells(initPod('e', { waiting: { reason: 'PodInitializing' } })), ['0/1', 'Init:0/2', '0']);
    const done = initPod('f', { terminated: { exitCode: 0, reason: 'Completed' } });
    done.spec = { ...done.spec!, initContainers: [{ name: 'migrate', image: 'busybox' }] };
    assert.deepEqual(cells(done), ['0/1', 'PodInitializing', '0']);
  });

  test('terminated containers: Completed, Error, OOMKilled, Signal/ExitCode', () => {
    const terminated = (exitCode: number, reason?: string, signal?: number): Pod =>
      withStatus(pod('job-edge-1', { phase: exitCode === 0 ? 'Succeeded' : 'Failed' }), {
        containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}) } } }],
      });
    assert.deepEqual(cells(terminated(0, 'Completed')), ['0/1', 'Completed', '0']);
    assert.deepEqual(cells(terminated(1, 'Error')), ['0/1', 'Error', '0']);
    assert.deepEqual(cells(terminated(137, 'OOMKilled')), ['0/1', 'OOMKilled', '0']);
    assert.deepEqual(cells(terminated(143, undefined, 15)), ['0/1', 'Signal:15', '0']);
    assert.deepEqual(cells(terminated(2)), ['0/1', 'ExitCode:2', '0']);
  });

  test('image pull failures show the waiting reason', () => {
    const p = withStatus(pod('img-edge-1', { phase: 'Pending' }), {
      containerStatuses: [{ name: 'main', image: 'nope:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } }],
    });
    assert.deepEqual(cells(p), ['0/1', 'ErrImagePull', '0']);
  });

  test('deletionTimestamp means Terminating, unless the pod already finished', () => {
    const p = pod('old-edge-1');
    p.metadata!.deletionTimestamp = at(3);
    assert.deepEqual(cells(p), ['1/1', 'Terminating', '0']);
    const done = withStatus(p, { phase: 'Succeeded' });
    assert.equal(summarizePod(done, NOW).status, 'Succeeded');
  });

  test('a running container next to a completed one: Running when the pod is Ready, else NotReady', () => {
    const two = (ready: 'True' | 'False'): Pod =>
      withStatus(pod('two-edge-1', { spec: { containers: [{ name: 'once' }, { name: 'main' }] } }), {
        conditions: [{ type: 'Ready', status: ready }],
        containerStatuses: [
          { name: 'once', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          running('main'),
        ],
      });
    assert.deepEqual(cells(two('True')), ['1/2', 'Running', '0']);
    assert.deepEqual(cells(two('False')), ['1/2', 'NotReady', '0']);
  });

  test('pod-level reason wins when nothing more specific is known', () => {
    const p = withStatus(pod('ev-edge-1', { phase: 'Failed' }), { reason: 'DeadlineExceeded', containerStatuses: [] });
    assert.deepEqual(cells(p), ['0/1', 'DeadlineExceeded', '0']);
  });

  test('sidecars (restartable init containers) count towards READY and keep their restarts', () => {
    const p = withStatus(
      {
        ...pod('side-edge-1'),
        spec: {
          containers: [{ name: 'main', image: 'busybox' }],
          initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }],
        },
      },
      {
        initContainerStatuses: [running('proxy', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: at(90) } } })],
      },
    );
    assert.deepEqual(cells(p), ['2/2', 'Running', '2 (90s ago)']);
  });

  test('AGE falls back to status.startTime, else <unknown>', () => {
    const p = pod('x');
    delete p.metadata!.creationTimestamp;
    assert.equal(summarizePod(p, NOW).age, '<unknown>');
    p.status!.startTime = at(3 * 3600 + 120);
    assert.equal(summarizePod(p, NOW).age, '3h2m');
  });
});

describe('humanDuration follows kubectl HumanDuration', () => {
  const cases: Array<[number, string]> = [
    [-3, '<invalid>'],
    [-1.5, '0s'],
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [192, '3m12s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 3 * 60, '5h3m'],
    [8 * 3600 + 59 * 60, '8h'],
    [47 * 3600, '47h'],
    [2 * 86400 + 3 * 3600, '2d3h'],
    [7 * 86400, '7d'],
    [40 * 86400 + 3600, '40d'],
    [(365 * 2 + 20) * 86400, '2y20d'],
    [365 * 9 * 86400, '9y'],
  ];
  for (const [seconds, text] of cases) {
    test(`${seconds}s → ${text}`, () => assert.equal(humanDuration(seconds * 1000), text));
  }
});

test('tabulate aligns tab-terminated cells per block, like Go text/tabwriter', () => {
  assert.equal(tabulate('a\tbb\tc\nccc\td\te\n', { minWidth: 0, padding: 2 }), 'a    bb  c\nccc  d   e\n');
  // A line without tabs ends the block: the next lines are aligned on their own.
  assert.equal(tabulate('long-key:\tv\nbreak\nk:\tv\n', { minWidth: 0, padding: 2 }), 'long-key:  v\nbreak\nk:  v\n');
  assert.equal(tabulate('A\tB\n', { minWidth: 6, padding: 3 }), 'A     B\n');
});

describe('pod table', () => {
  test('all namespaces with a NAMESPACE column, sorted by namespace then name', () => {
    const etcd = pod('etcd-edge-1', { namespace: 'kube-system' });
    const table = formatPodTable([FIXTURES.running, etcd, FIXTURES.crashLoop, FIXTURES.init], { now: NOW, showNamespace: true });
    assert.equal(
      table,
      [
        'NAMESPACE     NAME          READY   STATUS             RESTARTS      AGE',
        'default       api-edge-1    0/1     CrashLoopBackOff   3 (12s ago)   5m',
        'default       db-edge-1     0/1     Init:1/2           0             5m',
        'default       web-edge-1    1/1     Running            0             5m',
        'kube-system   etcd-edge-1   1/1     Running            0             5m',
        '',
      ].join('\n'),
    );
  });

  test('wide adds IP and NODE; <none> when unknown', () => {
    const table = formatPodTable([FIXTURES.running, FIXTURES.init], { now: NOW, wide: true });
    assert.equal(
      table,
      [
        'NAME         READY   STATUS     RESTARTS   AGE   IP         NODE',
        'db-edge-1    0/1     Init:1/2   0          5m    <none>     edge-1',
        'web-edge-1   1/1     Running    0          5m    10.0.0.5   edge-1',
        '',
      ].join('\n'),
    );
  });

  test('terminal control characters from pod data are escaped', () => {
    const evil = withStatus(pod('evil'), { phase: 'Failed', reason: '\x1b[31mred\r', containerStatuses: [] });
    assert.match(formatPodTable([evil], { now: NOW }), /\^\[\[31mred\\r/);
  });

  test('rejections name the source, the first error, how many more, and what keeps running', () => {
    const rejections: RejectionView[] = [
      {
        source: '/etc/staticlet/manifests/web.yaml',
        errors: ['/etc/staticlet/manifests/web.yaml: spec.containers[0].image: required', '/etc/staticlet/manifests/web.yaml: spec.containers[0].imagee: unknown field "imagee"'],
        since: at(125),
        keptPods: ['default/web-edge-1'],
      },
      { source: '/etc/staticlet/manifests/new.yaml', errors: ['new.yaml: not a Pod'], since: 'garbage', keptPods: [] },
    ];
    assert.equal(
      formatRejections(rejections, NOW),
      [
        'Rejected manifests:',
        '  /etc/staticlet/manifests/web.yaml: spec.containers[0].image: required (+1 more)',
        '    rejected 2m5s ago; still running from the last good version: default/web-edge-1',
        '  /etc/staticlet/manifests/new.yaml: new.yaml: not a Pod',
        '    rejected; no earlier version of it is running',
        '',
      ].join('\n'),
    );
    assert.equal(formatRejections([], NOW), '');
  });
});

describe('staticlet pods (against a live status socket)', () => {
  let dir: string;
  let socket: string;
  const provider = new FakeStatusProvider([FIXTURES.running, pod('etcd-edge-1', { namespace: 'kube-system' })]);
  const server = new StatusSocketServer(provider);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-'));
    socket = statusSocketPath(dir);
    await server.start(socket);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('prints the table for all namespaces, found through --root-dir', async () => {
    const c = captureOutput();
    assert.equal(await listPods({ rootDir: dir }, c.out, () => NOW), 0);
    assert.equal(
      c.stdout(),
      [
        'NAMESPACE     NAME          READY   STATUS    RESTARTS   AGE',
        'default       web-edge-1    1/1     Running   0          5m',
        'kube-system   etcd-edge-1   1/1     Running   0          5m',
        '',
      ].join('\n'),
    );
    assert.equal(c.stderr(), '');
  });

  test('-n filters and drops the NAMESPACE column; -A overrides -n', async () => {
    const c = captureOutput();
    assert.equal(await listPods({ statusSocket: socket, namespace: 'kube-system' }, c.out, () => NOW), 0);
    assert.equal(c.stdout(), 'NAME          READY   STATUS    RESTARTS   AGE\netcd-edge-1   1/1     Running   0          5m\n');
    const all = captureOutput();
    await listPods({ statusSocket: socket, namespace: 'kube-system', allNamespaces: true }, all.out, () => NOW);
    assert.match(all.stdout(), /^NAMESPACE/);
    const none = captureOutput();
    assert.equal(await listPods({ statusSocket: socket, namespace: 'nope' }, none.out, () => NOW), 0);
    assert.equal(none.stdout(), '');
    assert.equal(none.stderr(), 'No resources found in nope namespace.\n');
  });

  test('the rejection block follows the table', async () => {
    provider.rejected = [{ source: '/m/web.yaml', errors: ['/m/web.yaml: spec.containers[0].image: required'], since: at(60), keptPods: ['default/web-edge-1'] }];
    try {
      const c = captureOutput();
      await listPods({ statusSocket: socket, namespace: 'default' }, c.out, () => NOW);
      assert.equal(
        c.stdout(),
        [
          'NAME         READY   STATUS    RESTARTS   AGE',
          'web-edge-1   1/1     Running   0          5m',
          '',
          'Rejected manifests:',
          '  /m/web.yaml: spec.containers[0].image: required',
          '    rejected 60s ago; still running from the last good version: default/web-edge-1',
          '',
        ].join('\n'),
      );
      const json = captureOutput();
      await listPods({ statusSocket: socket, output: 'json' }, json.out, () => NOW);
      const doc = JSON.parse(json.stdout()) as { kind: string; items: Pod[] };
      assert.equal(doc.kind, 'List');
      assert.deepEqual(doc.items.map((p) => p.metadata?.name), ['web-edge-1', 'etcd-edge-1']);
      assert.match(json.stderr(), /^Rejected manifests:/);
    } finally {
      provider.rejected = [];
    }
  });

  test('-o yaml prints the list as YAML', async () => {
    const c = captureOutput();
    await listPods({ statusSocket: socket, output: 'yaml', namespace: 'kube-system' }, c.out, () => NOW);
    assert.match(c.stdout(), /^apiVersion: v1\nkind: List\nitems:\n {2}- metadata:\n {6}namespace: kube-system\n {6}name: etcd-edge-1\n/);
  });

  test('an unreachable socket exits 1 with a hint', async () => {
    const c = captureOutput();
    const missing = join(dir, 'missing', 'staticlet.sock');
    assert.equal(await listPods({ statusSocket: missing }, c.out, () => NOW), 1);
    assert.equal(c.stdout(), '');
    assert.equal(c.stderr(), `staticlet pods: cannot reach staticlet at ${missing}: is "staticlet run" running? (use --root-dir or --status-socket)\n`);
  });

  test('the command is registered in main', async () => {
    assert.equal(await main(['pods', '--status-socket', socket, '-n', 'empty']), 0);
    assert.equal(await main(['pods', '-o', 'xml']), 2);
  });
});
