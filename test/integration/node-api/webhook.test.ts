// The node API with an API server (the emulator) and a real containerd: a bearer token goes to
// TokenReview, the user it names to SubjectAccessReview with the kubelet's attributes (verb get,
// resource nodes, name = node, subresource pods then proxy); an allowed user reads /pods, a
// denied one gets 403 with the kubelet's message, and both reviews are in the emulator's log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type AccessReviewSpec, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually, podYaml } from '../../helpers/manifests.js';
import { curl } from '../../helpers/node-api.js';
import { NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

describe('node API with TokenReview and SubjectAccessReview', { timeout: 180_000 }, () => {
  let env: ContainerdEnv;
  let api: ApiServer;
  let h: SupervisorHarness;
  let base: string;
  const asked: AccessReviewSpec[] = [];

  before(async () => {
    env = await startContainerd();
    api = await startApiServer({
      tokens: { 'alice-token': { user: 'alice', groups: ['ops'] }, 'bob-token': { user: 'bob' } },
      reviews: {
        accessReview: (spec) => {
          asked.push(spec);
          return spec.user === 'alice' ? { allowed: true, reason: 'ops may read nodes' } : { allowed: false, reason: 'no RBAC rule' };
        },
      },
    });
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    h = await startSupervisor(env, {
      nodeApi: true,
      settings: {
        kubeconfig,
        address: '127.0.0.1',
        port: 0,
        healthzPort: 0,
        authentication: { webhook: { enabled: true, cacheTTLMs: 120_000 }, anonymous: false },
        authorization: { mode: 'Webhook', webhook: { cacheAuthorizedTTLMs: 300_000, cacheUnauthorizedTTLMs: 30_000 } },
      },
    });
    base = `https://127.0.0.1:${h.sup.nodeApiAddresses.secure!.port}`;
    await h.write('p.yaml', podYaml('p'));
    await h.waitPod('p', (p) => p.status?.phase === 'Running', 60_000);
    // The reviewer exists once the control plane has its clients (after the runtime answered).
    await eventually(() => h.sup.controlPlaneInstance?.reviewer?.(), { timeoutMs: 30_000, intervalMs: 100, what: 'the reviewer' });
  });
  after(async () => {
    await h?.stop();
    await api?.stop();
    await env?.down();
  });

  test('an allowed user reads /pods: TokenReview, then SubjectAccessReview for nodes/pods', async () => {
    const r = await curl(`${base}/pods`, ['-H', 'Authorization: Bearer alice-token']);
    assert.equal(r.status, 200, r.body);
    const list = JSON.parse(r.body) as { kind: string; items: Array<{ metadata: { name: string } }> };
    assert.equal(list.kind, 'PodList');
    assert.ok(list.items.some((p) => p.metadata.name === `p-${NODE}`));

    const tr = api.requests.filter((q) => q.method === 'POST' && q.path === TOKEN_REVIEWS);
    assert.equal(tr.length, 1);
    assert.equal(tr[0]!.status, 201);
    assert.equal(tr[0]!.user, `system:node:${NODE}`, 'the node asks with its own credentials');
    assert.deepEqual(tr[0]!.review, { token: '<redacted>' });
    const sar = api.requests.filter((q) => q.method === 'POST' && q.path === ACCESS_REVIEWS);
    assert.equal(sar.length, 1);
    assert.deepEqual(sar[0]!.review, {
      user: 'alice',
      groups: ['ops', 'system:authenticated'],
      resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'pods', namespace: '', name: NODE },
    });

    // Answers are cached (authn 2m, authz 5m): a second read asks nothing.
    const before = api.requests.length;
    assert.equal((await curl(`${base}/healthz`, ['-H', 'Authorization: Bearer alice-token'])).status, 200);
    assert.equal((await curl(`${base}/pods`, ['-H', 'Authorization: Bearer alice-token'])).status, 200);
    const newer = api.requests.slice(before).filter((q) => q.path === TOKEN_REVIEWS || q.path === ACCESS_REVIEWS);
    assert.deepEqual(newer.map((q) => (q.review as { resourceAttributes?: { subresource?: string } } | undefined)?.resourceAttributes?.subresource ?? 'token'), ['healthz'], 'only /healthz is a new question');
  });

  test('a denied user gets 403 with the kubelet message; pods then proxy were asked', async () => {
    const r = await curl(`${base}/pods`, ['-H', 'Authorization: Bearer bob-token']);
    assert.equal(r.status, 403);
    assert.equal(r.body, 'Forbidden (user=bob, verb=get, resource=nodes, subresource(s)=[pods proxy])\n');
    const bob = asked.filter((s) => s.user === 'bob');
    assert.deepEqual(bob.map((s) => s.resourceAttributes?.subresource), ['pods', 'proxy']);
    assert.ok(bob.every((s) => s.resourceAttributes?.name === NODE && s.resourceAttributes.resource === 'nodes' && s.resourceAttributes.verb === 'get'));
    // The verb follows the method: a POST to /run is `create` on nodes/proxy.
    const run = await curl(`${base}/run/default/p-${NODE}/c?cmd=true`, ['-X', 'POST', '-H', 'Authorization: Bearer bob-token']);
    assert.equal(run.status, 403);
    assert.equal(run.body, 'Forbidden (user=bob, verb=create, resource=nodes, subresource(s)=[proxy])\n');
  });

  test('/stats/summary: allowed for alice (SubjectAccessReview nodes/stats), 403 for bob with the kubelet message', async () => {
    const from = api.requests.length;
    const r = await curl(`${base}/stats/summary`, ['-H', 'Authorization: Bearer alice-token']);
    assert.equal(r.status, 200, r.body);
    const summary = JSON.parse(r.body) as { node: { nodeName: string }; pods: Array<{ podRef: { name: string } }> };
    assert.equal(summary.node.nodeName, NODE);
    assert.ok(summary.pods.some((p) => p.podRef.name === `p-${NODE}`));
    const sar = api.requests.slice(from).filter((q) => q.method === 'POST' && q.path === ACCESS_REVIEWS);
    assert.deepEqual(sar.map((q) => (q.review as { resourceAttributes?: { subresource?: string } }).resourceAttributes?.subresource), ['stats']);
    const denied = await curl(`${base}/stats/summary`, ['-H', 'Authorization: Bearer bob-token']);
    assert.equal(denied.status, 403);
    assert.equal(denied.body, 'Forbidden (user=bob, verb=get, resource=nodes, subresource(s)=[stats])\n');
  });

  test('an unknown token: TokenReview says no, 401 Unauthorized, no SubjectAccessReview', async () => {
    const sars = api.requests.filter((q) => q.path === ACCESS_REVIEWS).length;
    const r = await curl(`${base}/pods`, ['-H', 'Authorization: Bearer nobody']);
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized');
    assert.equal(api.requests.filter((q) => q.path === ACCESS_REVIEWS).length, sars);
  });
});
