import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STATUS_SOCKET_NAME, StatusSocketServer, statusSocketPath } from '../../../src/server/index.js';
import { fetchStatus, StatusRequestError, StatusUnreachableError } from '../../../src/cli/status-client.js';
import type { PodEvent } from '../../../src/events/types.js';
import { FakeStatusProvider, minimalPod } from './fake-provider.js';

function raw(socketPath: string, method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const event: PodEvent = {
  type: 'Normal',
  reason: 'Started',
  message: 'Started container main',
  count: 1,
  firstTimestamp: '2026-11-25T10:00:00Z',
  lastTimestamp: '2026-11-25T10:00:00Z',
  involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: 'kube-system', name: 'etcd-edge-1', uid: 'uid-etcd' },
  source: { component: 'staticlet', host: 'edge-1' },
};

describe('StatusSocketServer', () => {
  let dir: string;
  const servers: StatusSocketServer[] = [];
  const provider = new FakeStatusProvider(
    [minimalPod('default', 'web-edge-1'), minimalPod('kube-system', 'etcd-edge-1', 'uid-etcd')],
    { 'uid-etcd': [event] },
    [{ source: '/etc/staticlet/manifests/web.yaml', errors: ['x: bad'], since: '2026-11-25T10:00:00Z', keptPods: ['default/web-edge-1'] }],
  );

  const start = async (path: string): Promise<StatusSocketServer> => {
    const s = new StatusSocketServer(provider);
    await s.start(path);
    servers.push(s);
    return s;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('the socket path is <root-dir>/staticlet.sock', () => {
    assert.equal(DEFAULT_STATUS_SOCKET_NAME, 'staticlet.sock');
    assert.equal(statusSocketPath('/var/lib/staticlet'), '/var/lib/staticlet/staticlet.sock');
  });

  test('serves pods, a pod, its events, rejections and healthz; creates the parent dir; mode 0600', async () => {
    const path = join(dir, 'run', 'a.sock');
    const s = await start(path);
    assert.equal(s.path, path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'run'))).mode & 0o777 & ~process.umask(), 0o750 & ~process.umask());

    const list = await fetchStatus<{ apiVersion: string; kind: string; items: Array<{ metadata: { name: string } }> }>(path, '/pods');
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.kind, 'PodList');
    assert.deepEqual(list.items.map((p) => p.metadata.name), ['web-edge-1', 'etcd-edge-1']);

    const pod = await fetchStatus<{ metadata: { uid: string } }>(path, '/pods/kube-system/etcd-edge-1');
    assert.equal(pod.metadata.uid, 'uid-etcd');

    const events = await fetchStatus<{ apiVersion: string; kind: string; items: PodEvent[] }>(path, '/pods/kube-system/etcd-edge-1/events');
    assert.deepEqual(events, { apiVersion: 'v1', kind: 'EventList', items: [event] });

    const rejections = await fetchStatus<{ items: Array<{ source: string }> }>(path, '/rejections');
    assert.equal(rejections.items[0]!.source, '/etc/staticlet/manifests/web.yaml');

    const health = await raw(path, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body, 'ok');
  });

  test('unknown pods and paths are API-server-style 404s; other methods are 405', async () => {
    const path = join(dir, 'b.sock');
    await start(path);
    const missing = await raw(path, 'GET', '/pods/default/nope');
    assert.equal(missing.status, 404);
    assert.match(String(missing.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(missing.body), {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      message: 'pods "nope" not found in namespace "default"',
      code: 404,
    });
    assert.equal((await raw(path, 'GET', '/pods/default/nope/events')).status, 404);
    assert.equal((await raw(path, 'GET', '/nodes')).status, 404);
    assert.equal((await raw(path, 'GET', '/pods/default/web-edge-1/logs')).status, 404);

    const post = await raw(path, 'POST', '/pods');
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET');
    assert.equal(JSON.parse(post.body).reason, 'MethodNotAllowed');
    assert.equal((await raw(path, 'DELETE', '/pods/default/web-edge-1')).status, 405);

    await assert.rejects(fetchStatus(path, '/pods/default/nope'), (err: unknown) => {
      assert.ok(err instanceof StatusRequestError);
      assert.equal(err.code, 404);
      assert.equal(err.reason, 'NotFound');
      return true;
    });
  });

  test('a provider failure is a 500 Status, and the server keeps serving', async () => {
    const path = join(dir, 'c.sock');
    const broken = new FakeStatusProvider();
    broken.listPods = () => {
      throw new Error('boom');
    };
    const s = new StatusSocketServer(broken);
    await s.start(path);
    servers.push(s);
    const res = await raw(path, 'GET', '/pods');
    assert.equal(res.status, 500);
    assert.equal(JSON.parse(res.body).message, 'boom');
    assert.equal((await raw(path, 'GET', '/healthz')).status, 200);
  });

  test('a stale socket file left by a dead staticlet is removed', async () => {
    const path = join(dir, 'stale.sock');
    // A process killed with SIGKILL cannot unlink its socket: exactly what a crash leaves behind.
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.ok((await stat(path)).isSocket());

    await start(path);
    const list = await fetchStatus<{ items: unknown[] }>(path, '/pods');
    assert.equal(list.items.length, 2);
  });

  test('refuses to start while another server answers on the socket, and leaves it alone', async () => {
    const path = join(dir, 'live.sock');
    await start(path);
    const second = new StatusSocketServer(provider);
    await assert.rejects(second.start(path), new RegExp(`another staticlet is serving ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal((await fetchStatus<{ items: unknown[] }>(path, '/pods')).items.length, 2);
  });

  test('refuses to replace a path that is not a socket', async () => {
    const path = join(dir, 'regular-file');
    await writeFile(path, 'precious');
    await assert.rejects(new StatusSocketServer(provider).start(path), /not a socket/);
  });

  test('stop closes and unlinks; the client then reports the socket unreachable with a hint', async () => {
    const path = join(dir, 'd.sock');
    const s = new StatusSocketServer(provider);
    await s.start(path);
    // A keep-alive connection must not hold stop() open.
    await fetchStatus(path, '/pods');
    await s.stop();
    await assert.rejects(stat(path), { code: 'ENOENT' });
    await assert.rejects(fetchStatus(path, '/pods'), (err: unknown) => {
      assert.ok(err instanceof StatusUnreachableError);
      assert.equal(err.message, `cannot reach staticlet at ${path}: is "staticlet run" running? (use --root-dir or --status-socket)`);
      return true;
    });
    await s.stop();
  });
});
