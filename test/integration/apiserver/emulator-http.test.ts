// The kube-apiserver emulator over raw HTTPS: authentication and authorization failures, watch
// streams (resume, filters, bookmarks, 410), pagination, Table output, discovery, CSR subresources,
// injected faults and the request log.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { createPki } from '../../support/apiserver/pki.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

interface CallOptions {
  token?: string;
  cert?: { certPem: string; keyPem: string };
  body?: unknown;
  contentType?: string;
  accept?: string;
}

function call(api: ApiServer, ca: string, method: string, path: string, o: CallOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const req = request(
      `${api.url}${path}`,
      {
        method,
        ca,
        agent: false,
        ...(o.cert ? { cert: o.cert.certPem, key: o.cert.keyPem } : {}),
        headers: {
          ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}),
          ...(body !== undefined ? { 'Content-Type': o.contentType ?? 'application/json' } : {}),
          ...(o.accept ? { Accept: o.accept } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: <T>() => JSON.parse(text) as T }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A watch stream: collects its JSON lines until closed. */
function openWatch(api: ApiServer, ca: string, path: string, token: string) {
  const events: Array<{ type: string; object: { kind?: string; metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; code?: number; reason?: string } }> = [];
  let status = 0;
  let ended = false;
  let closeIt: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    const req = request(`${api.url}${path}`, { ca, agent: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      status = res.statusCode!;
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as (typeof events)[number]);
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', () => {
        ended = true;
        resolve();
      });
      res.on('error', () => resolve());
    });
    req.on('error', () => {
      ended = true;
      resolve();
    });
    closeIt = () => req.destroy();
    req.end();
  });
  return {
    events,
    done,
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    close: () => closeIt(),
    async until(n: number, ms = 5000): Promise<void> {
      const t0 = Date.now();
      while (events.length < n) {
        if (Date.now() - t0 > ms) throw new Error(`watch got ${events.length} events, wanted ${n}: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const TOKEN = 'admin-token';

describe('kube-apiserver emulator over HTTPS', { timeout: 60_000 }, () => {
  let api: ApiServer;
  let ca: string;
  const req = (method: string, path: string, o: CallOptions = {}) => call(api, ca, method, path, { token: TOKEN, ...o });

  before(async () => {
    api = await startApiServer({
      tokens: { [TOKEN]: { user: 'admin', groups: ['system:masters'] }, 'bob-token': { user: 'bob' } },
      historyLimit: 20,
      bookmarkIntervalMs: 200,
      // Bob may read but not write node status: the authorizer is any function of the attributes.
      authorize: (a) => (a.user.username === 'bob' && a.verb !== 'get' && a.verb !== 'list' ? { allowed: false } : { allowed: true }),
    });
    ca = api.pki.caPem;
    api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } });
  });

  after(async () => {
    await api?.stop();
  });

  test('no credentials: 401 with the server’s Unauthorized Status', async () => {
    const r = await call(api, ca, 'GET', '/api/v1/nodes');
    assert.equal(r.status, 401);
    assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    assert.equal(api.requests.at(-1)?.status, 401);
  });

  test('a client certificate from another CA is not accepted; one from the cluster CA carries user and groups', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stl-foreign-ca-'));
    try {
      const foreign = await createPki(dir, { dns: [], ips: [] });
      const stranger = await foreign.issueClient('system:node:n1', ['system:nodes']);
      assert.equal((await call(api, ca, 'GET', '/api/v1/nodes/n1', { cert: stranger })).status, 401);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const own = await api.pki.issueClient('system:node:n1', ['system:nodes', 'ops/team']);
    const r = await call(api, ca, 'GET', '/api/v1/nodes/n1', { cert: own });
    assert.equal(r.status, 200);
    assert.equal(api.requests.at(-1)?.user, 'system:node:n1');
    assert.deepEqual(api.requests.at(-1)?.groups, ['system:nodes', 'ops/team', 'system:authenticated']);
  });

  test('the authorizer’s denial is 403 with the server’s wording', async () => {
    const r = await call(api, ca, 'PATCH', '/api/v1/nodes/n1/status', { token: 'bob-token', body: '{}', contentType: 'application/merge-patch+json' });
    assert.equal(r.status, 403);
    const s = r.json<{ message: string; reason: string; details: unknown }>();
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.message, 'nodes "n1" is forbidden: User "bob" cannot patch resource "nodes/status" in API group "" at the cluster scope');
    assert.deepEqual(s.details, { name: 'n1', kind: 'nodes' });
    assert.equal((await call(api, ca, 'GET', '/api/v1/nodes/n1', { token: 'bob-token' })).status, 200);
  });

  test('discovery: legacy documents, the aggregated form on request, /version and a thin OpenAPI v3', async () => {
    const core = (await req('GET', '/api/v1')).json<{ resources: Array<{ name: string; namespaced: boolean }> }>();
    assert.deepEqual(core.resources.map((x) => x.name).sort(), ['events', 'namespaces', 'namespaces/status', 'nodes', 'nodes/status', 'pods', 'pods/status']);
    const groups = (await req('GET', '/apis')).json<{ groups: Array<{ name: string }> }>();
    assert.deepEqual(groups.groups.map((g) => g.name), ['coordination.k8s.io', 'certificates.k8s.io']);
    const csr = (await req('GET', '/apis/certificates.k8s.io/v1')).json<{ resources: Array<{ name: string }> }>();
    assert.deepEqual(csr.resources.map((x) => x.name), ['certificatesigningrequests', 'certificatesigningrequests/approval', 'certificatesigningrequests/status']);
    const agg = await req('GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const lease = agg.json<{ items: Array<{ metadata: { name: string }; versions: Array<{ resources: Array<{ resource: string; scope: string }> }> }> }>().items[0]!;
    assert.deepEqual([lease.metadata.name, lease.versions[0]!.resources[0]!.resource, lease.versions[0]!.resources[0]!.scope], ['coordination.k8s.io', 'leases', 'Namespaced']);
    assert.equal((await req('GET', '/version')).json<{ gitVersion: string }>().gitVersion, 'v1.36.0');
    const unknown = await req('GET', '/apis/apps/v1/deployments');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, '404 page not found\n');
    assert.equal((await req('GET', '/api/v1/services')).json<{ reason: string }>().reason, 'NotFound');
    assert.equal((await req('GET', '/api/v1/pods/p1')).status, 404, 'a namespaced object has no cluster-wide path');
    assert.equal((await req('POST', '/api/v1/pods', { body: { metadata: { name: 'x' } } })).status, 405);
    assert.equal((await req('GET', '/api/v1/nodes/n1/proxy')).status, 404, 'subresources not served are 404');
    assert.equal((await req('GET', '/openapi/v2')).status, 404);
    const v3 = (await req('GET', '/openapi/v3')).json<{ paths: Record<string, { serverRelativeURL: string }> }>();
    assert.ok((await req('GET', v3.paths['api/v1']!.serverRelativeURL)).json<{ paths: Record<string, unknown> }>().paths['/api/v1/nodes/{name}/status']);
  });

  test('lists: selectors, limit/continue and the list resourceVersion; Table output for kubectl', async () => {
    for (const [name, app] of [['p1', 'web'], ['p2', 'db'], ['p3', 'web']] as const) {
      assert.equal((await req('POST', '/api/v1/namespaces/default/pods', { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: { containers: [{ name: 'c', image: 'x' }] } } })).status, 201);
    }
    const web = (await req('GET', '/api/v1/namespaces/default/pods?labelSelector=app%20in%20(web)')).json<{ items: Array<{ metadata: { name: string }; kind?: string }>; metadata: { resourceVersion: string } }>();
    assert.deepEqual(web.items.map((p) => p.metadata.name), ['p1', 'p3']);
    assert.equal(web.items[0]!.kind, undefined, 'list items carry no kind');
    assert.equal(web.metadata.resourceVersion, String(api.resourceVersion));
    const page1 = (await req('GET', '/api/v1/pods?limit=2')).json<{ items: Array<{ metadata: { name: string } }>; metadata: { continue: string; remainingItemCount: number } }>();
    assert.deepEqual([page1.items.map((p) => p.metadata.name), page1.metadata.remainingItemCount], [['p1', 'p2'], 1]);
    const page2 = (await req('GET', `/api/v1/pods?limit=2&continue=${page1.metadata.continue}`)).json<{ items: Array<{ metadata: { name: string } }>; metadata: Record<string, unknown> }>();
    assert.deepEqual(page2.items.map((p) => p.metadata.name), ['p3']);
    assert.equal(page2.metadata['continue'], undefined);
    const bad = await req('GET', '/api/v1/pods?fieldSelector=spec.bogus%3D1');
    assert.deepEqual([bad.status, bad.json<{ message: string }>().message], [400, 'field label not supported: spec.bogus']);
    const table = await req('GET', '/api/v1/nodes?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    assert.equal(table.headers['content-type'], 'application/json;as=Table;v=v1;g=meta.k8s.io');
    const t = table.json<{ kind: string; columnDefinitions: Array<{ name: string; priority: number }>; rows: Array<{ cells: unknown[]; object: { kind: string } }> }>();
    assert.equal(t.kind, 'Table');
    assert.deepEqual(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version']);
    assert.deepEqual(t.rows[0]!.cells.slice(0, 3), ['n1', 'NotReady', '<none>']);
    assert.equal(t.rows[0]!.object.kind, 'Node');
    assert.equal((await req('GET', '/api/v1/nodes', { accept: 'application/vnd.kubernetes.protobuf' })).status, 406);
  });

  test('watch: from a resourceVersion, filtered by field selector, with bookmarks; ends with timeoutSeconds', async () => {
    const rv = (await req('GET', '/api/v1/namespaces/default/pods')).json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const w = openWatch(api, ca, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dp1&allowWatchBookmarks=true&timeoutSeconds=2`, TOKEN);
    await new Promise((r) => setTimeout(r, 50));
    await req('PATCH', '/api/v1/namespaces/default/pods/p2', { body: { metadata: { labels: { x: '1' } } }, contentType: 'application/merge-patch+json' });
    await req('PATCH', '/api/v1/namespaces/default/pods/p1/status', {
      body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      contentType: 'application/strategic-merge-patch+json',
    });
    await req('DELETE', '/api/v1/namespaces/default/pods/p1', { body: { gracePeriodSeconds: 0 } });
    await w.until(2);
    assert.equal(w.status, 200);
    assert.deepEqual(w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.kind!} ${e.object.metadata.name!}`), ['MODIFIED Pod p1', 'DELETED Pod p1']);
    await w.until(3);
    assert.ok(w.events.some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) === api.resourceVersion));
    await w.done;
    assert.ok(w.ended, 'timeoutSeconds ends the stream');
  });

  test('watch with sendInitialEvents: ADDED for each object, then the initial-events-end bookmark', async () => {
    const w = openWatch(api, ca, '/api/v1/namespaces/default/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', TOKEN);
    await w.until(3);
    assert.deepEqual(w.events.slice(0, 3).map((e) => `${e.type} ${e.object.metadata.name ?? ''}`), ['ADDED p2', 'ADDED p3', 'BOOKMARK ']);
    assert.equal(w.events[2]!.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    w.close();
  });

  test('a watch from a resourceVersion older than the window gets one ERROR event with 410 Expired', async () => {
    const old = api.resourceVersion;
    for (let i = 0; i < 25; i++) await req('PATCH', '/api/v1/nodes/n1', { body: { metadata: { labels: { i: String(i) } } }, contentType: 'application/merge-patch+json' });
    const w = openWatch(api, ca, `/api/v1/nodes?watch=true&resourceVersion=${old}`, TOKEN);
    await w.done;
    assert.equal(w.status, 200);
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0]!.type, 'ERROR');
    assert.deepEqual([w.events[0]!.object.kind, w.events[0]!.object.code, w.events[0]!.object.reason], ['Status', 410, 'Expired']);
  });

  test('CSRs: the requester comes from authentication; approval and status subresources change only their part', async () => {
    const keyFile = join(api.dir, 'csr-1.key');
    const csrFile = join(api.dir, 'csr-1.csr');
    await promisify(execFile)('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', '/O=system:nodes/CN=system:node:n1']);
    const request = Buffer.from(await readFile(csrFile, 'utf8')).toString('base64');
    const bad = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'csr-0' }, spec: { request: 'LS0t', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'], expirationSeconds: 599 } };
    const refused = await req('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { body: bad });
    assert.equal(refused.status, 422, refused.text);
    assert.deepEqual(refused.json<{ details: { causes: Array<{ field: string }> } }>().details.causes.map((c) => c.field), ['spec.request', 'spec.expirationSeconds']);
    const body = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'csr-1' }, spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'], username: 'forged' } };
    const created = (await req('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { body })).json<{ spec: { username: string; groups: string[] }; status: unknown }>();
    assert.equal(created.spec.username, 'admin');
    assert.deepEqual(created.spec.groups, ['system:masters', 'system:authenticated']);
    assert.deepEqual(created.status, {});
    const approved = await req('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval', {
      body: { ...created, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }], certificate: 'bm9wZQ==' } },
    });
    assert.equal(approved.status, 200, approved.text);
    // The server stamps conditions that come without times.
    type Cond = { type: string; status: string; reason: string; lastUpdateTime?: string; lastTransitionTime?: string };
    const bare = (s: { conditions: Cond[]; certificate?: string }) => ({ ...s, conditions: s.conditions.map(({ lastUpdateTime, lastTransitionTime, ...c }) => (assert.ok(lastUpdateTime && lastTransitionTime), c)) });
    assert.deepEqual(bare(approved.json<{ status: { conditions: Cond[] } }>().status), { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }] });
    const issued = await req('PATCH', '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/status', { body: { status: { certificate: 'Y2VydA==' } }, contentType: 'application/merge-patch+json' });
    assert.deepEqual(bare(issued.json<{ status: { conditions: Cond[] } }>().status), { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }], certificate: 'Y2VydA==' });
    const r = await req('GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(r.json<{ rows: Array<{ cells: string[] }> }>().rows[0]!.cells[5], 'Approved,Issued');
  });

  test('the CA signs a certificate request as a CSR signer would, and the result authenticates', async () => {
    const key = join(api.dir, 'kubelet-client.key');
    const csr = join(api.dir, 'kubelet-client.csr');
    await promisify(execFile)('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', '/O=system:nodes/CN=system:node:n9']);
    const certPem = await api.pki.signRequest(await readFile(csr, 'utf8'), { clientAuth: true });
    const r = await call(api, ca, 'GET', '/api/v1/nodes', { cert: { certPem, keyPem: await readFile(key, 'utf8') } });
    assert.equal(r.status, 200);
    assert.deepEqual([api.requests.at(-1)?.user, api.requests.at(-1)?.groups], ['system:node:n9', ['system:nodes', 'system:authenticated']]);
  });

  test('faults: 503 with Retry-After for matching requests only, as many times as asked; 429; latency', async () => {
    const from = api.requests.length;
    await api.fault({ status: 503, retryAfterSeconds: 3, match: { method: 'PATCH', path: '/api/v1/nodes/n1/status' }, times: 2 });
    const patch = () => req('PATCH', '/api/v1/nodes/n1/status', { body: { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, contentType: 'application/strategic-merge-patch+json' });
    assert.equal((await req('GET', '/api/v1/nodes/n1')).status, 200);
    const first = await patch();
    assert.deepEqual([first.status, first.headers['retry-after'], first.json<{ reason: string }>().reason], [503, '3', 'ServiceUnavailable']);
    assert.equal((await patch()).status, 503);
    assert.equal((await patch()).status, 200);
    await api.fault({ status: 429, retryAfterSeconds: 1 });
    const limited = await req('GET', '/api/v1/nodes');
    assert.deepEqual([limited.status, limited.headers['retry-after'], limited.json<{ reason: string; details: unknown }>().details], [429, '1', { retryAfterSeconds: 1 }]);
    await api.fault({ latencyMs: 300 });
    const t0 = Date.now();
    assert.equal((await req('GET', '/api/v1/nodes/n1')).status, 200);
    assert.ok(Date.now() - t0 >= 290);
    await api.fault(null);
    const patches = api.requests.slice(from).filter((q) => q.method === 'PATCH' && q.path === '/api/v1/nodes/n1/status');
    assert.deepEqual(patches.map((q) => q.status), [503, 503, 200], 'the log counts requests whatever their answer');
  });

  test('fault down: connections are refused and watches cut, then the same port serves the same objects', async () => {
    const port = api.port;
    const uid = api.get('nodes', undefined, 'n1')!.metadata.uid;
    const w = openWatch(api, ca, '/api/v1/nodes?watch=true', TOKEN);
    await w.until(1);
    await api.fault({ down: true });
    await w.done;
    await assert.rejects(req('GET', '/api/v1/nodes/n1'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    await api.fault(null);
    assert.equal(api.port, port);
    const back = await req('GET', '/api/v1/nodes/n1');
    assert.equal(back.json<{ metadata: { uid: string } }>().metadata.uid, uid);
  });
});
