// The API server away for 60 s (the emulator's fault injection: connections refused): no
// container is restarted, the supervisor keeps going and logs the outage once (not per retry),
// and within 10 s of its return the Lease is renewed and the node status reported.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from '../../support/apiserver/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { cs, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { eventually, podYaml } from '../../helpers/manifests.js';
import { textSink } from '../../helpers/streams.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { ApiServerControlPlane } from '../../../src/controlplane/controller.js';

type NodeObj = { status?: { conditions?: Array<{ type: string; status: string; lastHeartbeatTime?: string }> } };
type LeaseObj = { spec?: { renewTime?: string } };
interface LogLine {
  level: number;
  time: string;
  msg: string;
  err?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STATUS_PATH = `/api/v1/nodes/${NODE}/status`;
const OUTAGE_MS = 60_000;
const WARN = 40;

describe('API server down for 60 s', { timeout: 200_000 }, () => {
  let api: ApiServer;
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  const log = textSink();
  const lines = (): LogLine[] =>
    log
      .text()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  const node = () => api.get('Node', undefined, NODE) as unknown as NodeObj | undefined;
  const lease = () => api.get('Lease', 'kube-node-lease', NODE) as unknown as LeaseObj | undefined;
  const ready = () => node()?.status?.conditions?.find((c) => c.type === 'Ready');
  const names = ['out-a', 'out-b', 'out-c'];

  before(async () => {
    api = await startApiServer();
    const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env = await startContainerd();
    // Default cadence (renewal every 10 s, status every 10 s); a 20 s report frequency, so a
    // report is due when the server returns.
    h = await startSupervisor(env, {
      settings: { kubeconfig, nodeStatusUpdateFrequencyMs: 10_000, nodeStatusReportFrequencyMs: 20_000, nodeLeaseDurationSeconds: 40 },
      logger: createLogger({ format: 'json', destination: log.stream }),
    });
    for (const n of names) await h.write(`${n}.yaml`, podYaml(n));
    await eventually(() => names.every((n) => h.pod(n)?.status?.phase === 'Running'), { timeoutMs: 60_000, intervalMs: 100, what: 'pods running' });
    await eventually(() => ready()?.status === 'True' && lease()?.spec?.renewTime, { timeoutMs: 20_000, what: 'node Ready, lease renewed' });
  });
  after(async () => {
    await h?.stop();
    await env?.down();
    await api?.stop();
  });

  test('pods untouched, the outage logged once, Lease and status current within 10 s of the return', { timeout: 120_000 }, async () => {
    const before = new Map(names.map((n) => [n, cs(h.pod(n)!, 'main')]));
    const logFrom = lines().length;
    await api.fault({ down: true });
    const downAt = Date.now();
    await sleep(20_000);
    const after20 = lines().slice(logFrom).filter((l) => l.level >= WARN);
    await sleep(OUTAGE_MS - (Date.now() - downAt));
    const during = lines().slice(logFrom).filter((l) => l.level >= WARN);
    const renewBefore = lease()!.spec!.renewTime!;
    const cp = h.sup.controlPlaneInstance as ApiServerControlPlane;
    const view = cp.view();
    const fromReq = api.requests.length;
    await api.fault(null);
    const back = Date.now();
    await eventually(() => lease()?.spec?.renewTime !== renewBefore, { timeoutMs: 15_000, intervalMs: 50, what: 'lease renewal after the return' });
    const leaseMs = Date.now() - back;
    const patch = await eventually(() => api.requests.slice(fromReq).find((r) => r.method === 'PATCH' && r.path === STATUS_PATH && r.status === 200), { timeoutMs: 15_000, intervalMs: 50, what: 'status PATCH after the return' });
    const statusMs = patch.time + patch.durationMs - back;
    console.log(`# API server back: Lease renewed after ${leaseMs} ms, status PATCHed after ${statusMs} ms`);
    console.log(`# log lines at warn or above during the ${OUTAGE_MS / 1000} s outage: ${during.map((l) => `${l.msg} (${l.err})`).join(' | ')}`);
    assert.ok(leaseMs <= 10_000, `lease renewed ${leaseMs} ms after the return`);
    assert.ok(statusMs <= 10_000, `status reported ${statusMs} ms after the return`);
    assert.ok(Date.parse(ready()!.lastHeartbeatTime!) >= Math.floor(back / 1000) * 1000, 'the heartbeat is from after the return');
    assert.equal(ready()?.status, 'True');
    await eventually(() => cp.view().status?.lastResult === 'ok' && !cp.view().lease?.error, { timeoutMs: 5_000, what: 'the view says current' });

    // While away, the view said so.
    assert.ok(view.lease?.error, 'the lease failure was in the view');
    assert.match(view.status?.lastResult ?? '', /^update node status exceeds retry count/);
    // One line when the outage started (by whichever heartbeat loop failed first), none per retry:
    // the same at 20 s and at 60 s; one when the last of them worked again.
    assert.equal(during.length, 1, during.map((l) => l.msg).join(' | '));
    assert.ok(['failed to update lease using latest lease, fallback to ensure lease', 'update node status exceeds retry count', "mirror pods: cannot list this node's pods; retrying", "mirror pods: cannot list or watch this node's pods; retrying", 'mirror pod status: cannot patch; retrying', 'unable to write events to the API server; retrying, recording meanwhile'].includes(during[0]!.msg), during[0]!.msg);
    assert.equal(after20.length, during.length, 'nothing more logged as the outage went on');
    const recovered = () => lines().slice(logFrom).filter((l) => l.level < WARN && ['lease renewed again', 'node status updated again', 'mirror pods: the API server answers again', "mirror pods: watching this node's pods again", 'mirror pod status: patched again', 'events are written to the API server again'].includes(l.msg));
    // The line comes when the last loop of the connection works again: the event queue and the
    // watch retry on their own back-off (capped at 10 s and 7 s), after the Lease.
    await eventually(() => recovered().length > 0, { timeoutMs: 15_000, intervalMs: 100, what: 'the recovery line' });
    await sleep(1_000);
    assert.equal(recovered().length, 1, 'one line on the return');

    // No container restarted: same IDs, same restart counts; the supervisor went on.
    for (const n of names) {
      const c = cs(h.pod(n)!, 'main');
      assert.equal(c?.containerID, before.get(n)?.containerID, `${n} kept its container`);
      assert.equal(c?.restartCount, before.get(n)?.restartCount);
      assert.equal(h.pod(n)?.status?.phase, 'Running');
    }
    await h.write('after.yaml', podYaml('after'));
    await h.waitPod('after', (p) => p.status?.phase === 'Running', 30_000);
  });
});
