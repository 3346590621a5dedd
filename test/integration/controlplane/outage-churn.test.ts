// The API server away for 5 minutes while every static pod's status keeps changing (readiness
// flipping every 2 s): nothing queues up per change — one pending status per pod at most, the
// retained heap flat from the first minute of the outage to the last — no container restarts,
// and on the return the mirrors carry the pods' current status within 10 s. Then the other ways
// an API server fails (slow answers, 500, 429 with Retry-After, 409) for 30 s each: the same.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer, type Fault } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, cs, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually } from '../../helpers/manifests.js';
import { retainedBytes } from '../../helpers/hostile.js';
import type { Pod } from '../../../src/api/generated/core-v1.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_MS = Number(process.env['STATICLET_OUTAGE_MS'] ?? 300_000);
const PODS = 10;
const MB = 1024 * 1024;

/** Ready for 2 s, not ready for 2 s, forever: a status change every 2 s per pod. */
function flapping(name: string): string {
  return manifest(
    name,
    [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '    - name: main',
      `      image: ${BUSYBOX}`,
      `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do touch /tmp/ready; sleep 2; rm -f /tmp/ready; sleep 2; done"]`,
      '      readinessProbe: { exec: { command: ["test", "-f", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1 }',
      '',
    ].join('\n'),
  );
}

describe('API server down for 5 min under status churn, then slow, 500, 429 and 409', { timeout: OUTAGE_MS + 420_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  const names = Array.from({ length: PODS }, (_, i) => `churn-${i}`);
  const mirror = (n: string) => api.get('Pod', 'default', `${n}-${NODE}`) as unknown as Pod | undefined;
  const ready = (p: Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const containers = () => new Map(names.map((n) => [n, cs(h.pod(n)!, 'main')?.containerID]));

  /**
   * Every mirror shows the Ready value its static pod has now, after at least one pod status
   * PATCH went through since `fromMs`: the pods flip together (they started together), so right
   * after the return the stale mirrors may match by chance; a write since then is what counts.
   */
  async function mirrorsFollow(what: string, fromMs: number): Promise<number> {
    const patched = () => api.requests.some((r) => r.time >= fromMs && r.method === 'PATCH' && r.status === 200 && /\/pods\/[^/]+\/status$/.test(r.path));
    await eventually(
      async () => {
        if (!patched()) return false;
        for (const n of names) {
          const want = ready(h.pod(n));
          if (!mirror(n) || ready(mirror(n)) !== want) return false;
        }
        return true;
      },
      { timeoutMs: 10_000, intervalMs: 50, what },
    );
    return Date.now() - fromMs;
  }

  before(async () => {
    api = await startApiServer();
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    h = await startSupervisor(env, { settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 10_000, nodeStatusReportFrequencyMs: 60_000, nodeLeaseDurationSeconds: 40 } });
    for (const n of names) await h.write(`${n}.yaml`, flapping(n));
    await eventually(() => names.every((n) => h.pod(n)?.status?.phase === 'Running' && mirror(n)?.status?.phase === 'Running'), { timeoutMs: 90_000, intervalMs: 200, what: 'pods and mirrors running' });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test(`down ${OUTAGE_MS / 1000} s with every pod's readiness flipping: memory flat, no restart, mirrors current within 10 s of the return`, { timeout: OUTAGE_MS + 120_000 }, async () => {
    const before = containers();
    const patchesBefore = api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status') && r.path.includes('/pods/')).length;
    await api.fault({ down: true });
    const downAt = Date.now();
    // The first minute fills whatever is bounded (back-off state, the last status per pod, event
    // buffers); from then on, nothing may grow with the number of changes.
    await sleep(60_000);
    const atOneMinute = retainedBytes();
    const flipsSeen = new Set<string>();
    const sampler = setInterval(() => {
      for (const n of names) flipsSeen.add(`${n}:${ready(h.pod(n))}`);
    }, 500);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    clearInterval(sampler);
    const atEnd = retainedBytes();
    const growth = atEnd - atOneMinute;
    console.log(`# ${OUTAGE_MS / 1000} s down: retained heap ${(atOneMinute / MB).toFixed(1)} MB after 1 min, ${(atEnd / MB).toFixed(1)} MB at the end (${growth >= 0 ? '+' : ''}${(growth / MB).toFixed(2)} MB); readiness values seen: ${flipsSeen.size} of ${PODS * 2}`);
    assert.equal(flipsSeen.size, PODS * 2, 'every pod flipped during the outage (the churn was real)');
    assert.ok(growth < 8 * MB, `retained heap grew ${(growth / MB).toFixed(1)} MB between minute 1 and the end of the outage`);
    const from = api.requests.length;
    await api.fault(null);
    const back = Date.now();
    const ms = await mirrorsFollow('mirrors current after the return', back);
    const patches = api.requests.slice(from).filter((r) => r.method === 'PATCH' && r.path.endsWith('/status') && r.path.includes('/pods/'));
    console.log(`# back: mirrors current after ${ms} ms; ${patches.length} pod status PATCHes in the first ${Date.now() - back} ms (${patchesBefore} before the outage)`);
    // One pending status per pod: the return sends the current one, not the backlog of changes.
    assert.ok(patches.length <= PODS * 3, `pod status PATCHes after the return: ${patches.length}`);
    for (const [n, id] of before) {
      assert.equal(cs(h.pod(n)!, 'main')?.containerID, id, `${n} kept its container`);
      assert.equal(cs(h.pod(n)!, 'main')?.restartCount, 0);
    }
  });

  const faults: Array<[string, Fault]> = [
    ['slow (every answer 3 s late)', { latencyMs: 3_000 }],
    ['500 on every request', { status: 500 }],
    ['429 with Retry-After: 2', { status: 429, retryAfterSeconds: 2 }],
    ['409 on every write', { status: 409, match: { method: 'PATCH' } }],
  ];
  for (const [what, fault] of faults) {
    test(`${what} for 30 s: no restart, nothing crashes, mirrors current within 10 s after`, { timeout: 90_000 }, async () => {
      const before = containers();
      await api.fault(fault);
      await sleep(30_000);
      await api.fault(null);
      const back = Date.now();
      const ms = await mirrorsFollow(`mirrors current after ${what}`, back);
      console.log(`# ${what}: mirrors current ${ms} ms after the fault ended`);
      for (const [n, id] of before) assert.equal(cs(h.pod(n)!, 'main')?.containerID, id, `${n} kept its container`);
      await eventually(() => api.get('Node', undefined, NODE), { what: 'node still there' });
    });
  }
});
