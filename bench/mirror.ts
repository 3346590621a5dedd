/**
 * Mirror pods at scale: a burst of 110 static pods (busybox, host network) on a private
 * containerd, the supervisor in this process (the test harness, so that what staticlet sees is
 * read directly) with --kubeconfig pointing at the kube-apiserver emulator, also in this process.
 *
 * Reports:
 * - per pod, the time from the static pod Running (as staticlet sees it, polled every 20 ms) to
 *   its mirror pod on the emulator with phase Running: p50, p95, max (the resolution is the poll);
 * - the API requests of the burst, by verb and resource;
 * - then, the pods idle, API requests per minute over a window (60 s), by verb and resource.
 *   Goal (issue 16): no pod request while idle, only the Lease renewals (6 a minute) and the
 *   node status when it is due (5 min).
 *
 * Needs root, like the containerd environment. Run: npm run bench:mirror. Env knobs:
 * MB_PODS (110), MB_SECONDS (60, the idle window), MB_SETTLE_SECONDS (15).
 */
import { idlePodYaml } from './lib/manifest.js';
import { performance } from 'node:perf_hooks';
import { cpus, release, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../src/runtime/index.js';
import type { Pod } from '../src/api/generated/core-v1.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { NODE, startSupervisor, type SupervisorHarness } from '../test/helpers/supervisor.js';
import { startApiServer, type RequestRecord } from '../test/support/apiserver/index.js';
import { removeNamespace } from './lifecycle/bare.js';
import { abort, checkAborted } from './lifecycle/wait.js';
import { envInt } from './lib/env.js';
import { valueAtMost, writeResult, type Metric } from './lib/result.js';

const cfg = {
  pods: envInt('MB_PODS', 110, 1),
  seconds: envInt('MB_SECONDS', 60, 5),
  settleSeconds: envInt('MB_SETTLE_SECONDS', 15),
};
const NAMESPACE = 'bench-mirror';
const POLL_MS = 20;
const progress = (msg: string): void => void process.stderr.write(`[mirror +${(performance.now() / 1000).toFixed(0)}s] ${msg}\n`);


/** `VERB resource` (pod names and the node name folded), plus `?watch` for watches. */
function kind(r: RequestRecord): string {
  const path = r.path
    .replace(/\/pods\/[^/]+/, '/pods/<pod>')
    .replace(/\/nodes\/[^/]+/, '/nodes/<node>')
    .replace(/\/leases\/[^/]+/, '/leases/<node>');
  return `${r.method} ${path}${r.query['watch'] === 'true' ? '?watch' : ''}`;
}

function tally(rs: RequestRecord[], perMinuteOver?: number): string {
  const out = new Map<string, number>();
  for (const r of rs) out.set(kind(r), (out.get(kind(r)) ?? 0) + 1);
  return [...out.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `  ${(perMinuteOver ? ((n * 60) / perMinuteOver).toFixed(1) : String(n)).padStart(7)}  ${k}`)
    .join('\n');
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  progress(`${cfg.pods} static pods in a burst; then an idle window of ${cfg.seconds} s after ${cfg.settleSeconds} s`);
  const env = await startContainerd();
  const api = await startApiServer();
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const user = `system:node:${NODE}`;
  const kubeconfig = await api.kubeconfig({ user, groups: ['system:nodes'] });
  const cri = new CriClient({ endpoint: env.endpoint });
  let h: SupervisorHarness | undefined;
  const lines: string[] = [];
  const metrics: Metric[] = [];
  try {
    // Kubelet cadences (status every 10 s, reported every 5 min, Lease 40 s) and its 1 s relist.
    h = await startSupervisor(env, { relistPeriodMs: 1_000, settings: { kubeconfig } });
    const sup = h;
    for (let t0 = Date.now(); !api.get('Node', undefined, NODE); await sleep(50)) {
      if (Date.now() - t0 > 30_000) throw new Error('the node did not register');
    }
    const names = Array.from({ length: cfg.pods }, (_, i) => `mb-${String(i).padStart(3, '0')}`);
    const from = api.requests.length;
    const burst0 = performance.now();
    await Promise.all(names.map((n) => sup.write(`${n}.yaml`, idlePodYaml(n, NAMESPACE, env.busyboxImage))));
    const staticRunning = new Map<string, number>();
    const mirrorRunning = new Map<string, number>();
    let lastNote = 0;
    while (mirrorRunning.size < names.length || staticRunning.size < names.length) {
      checkAborted();
      const now = performance.now();
      if (now - burst0 > 600_000) throw new Error(`after 10 min: ${staticRunning.size} pods Running, ${mirrorRunning.size} mirrors Running`);
      for (const n of names) {
        if (!staticRunning.has(n) && sup.pod(n, NAMESPACE)?.status?.phase === 'Running') staticRunning.set(n, now);
        if (!mirrorRunning.has(n) && (api.get('Pod', NAMESPACE, `${n}-${NODE}`) as Pod | undefined)?.status?.phase === 'Running') mirrorRunning.set(n, now);
      }
      if (now - lastNote > 15_000) {
        lastNote = now;
        progress(`${staticRunning.size}/${names.length} static pods Running, ${mirrorRunning.size} mirrors Running`);
      }
      await sleep(POLL_MS);
    }
    const lat = names.map((n) => mirrorRunning.get(n)! - staticRunning.get(n)!).sort((a, b) => a - b);
    const allMs = Math.max(...mirrorRunning.values()) - burst0;
    const burst = api.requests.slice(from).filter((r) => r.user === user && r.path.includes('/pods'));
    progress(`burst done in ${(allMs / 1000).toFixed(1)} s; settling ${cfg.settleSeconds} s`);
    await sleep(cfg.settleSeconds * 1000, undefined, { signal: abort.signal });
    const idleFrom = api.requests.length;
    const idle0 = performance.now();
    await sleep(cfg.seconds * 1000, undefined, { signal: abort.signal });
    const idleS = (performance.now() - idle0) / 1000;
    const idle = api.requests.slice(idleFrom).filter((r) => r.user === user);
    const mirrors = api.list('pods', NAMESPACE).length;

    lines.push(`bench:mirror — ${cfg.pods} static pods in a burst, supervisor and emulator in one process`);
    lines.push(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`);
    lines.push('');
    lines.push(`static pod Running (as staticlet sees it) → mirror Running on the API server, ${lat.length} pods (poll ${POLL_MS} ms):`);
    lines.push(`  p50 ${pct(lat, 50).toFixed(0)} ms  p95 ${pct(lat, 95).toFixed(0)} ms  max ${lat.at(-1)!.toFixed(0)} ms  min ${lat[0]!.toFixed(0)} ms`);
    lines.push(`  all ${cfg.pods} mirrors Running ${(allMs / 1000).toFixed(1)} s after the manifests were written`);
    lines.push(`pod requests of the burst (${burst.length}):`);
    lines.push(tally(burst));
    lines.push('');
    lines.push(`idle, ${cfg.pods} pods and ${mirrors} mirrors: ${((idle.length * 60) / idleS).toFixed(1)} API requests/min over ${idleS.toFixed(0)} s, by verb and resource (per minute):`);
    lines.push(tally(idle, idleS) || '  none');
    const podReqs = idle.filter((r) => r.path.includes('/pods')).length;
    lines.push(`pod requests while idle: ${podReqs}  goal 0  ${podReqs === 0 ? 'OK' : 'OVER'}`);
    metrics.push(
      { name: `static Running -> mirror Running, ${cfg.pods} pods (p50)`, unit: 'ms', staticlet: pct(lat, 50) },
      { name: `static Running -> mirror Running, ${cfg.pods} pods (p95)`, unit: 'ms', staticlet: pct(lat, 95) },
      { name: `pod API requests while idle, ${cfg.pods} mirrors`, unit: 'req', staticlet: podReqs, target: valueAtMost(0, 'req') },
    );
  } finally {
    progress('cleaning up');
    await h?.stop().catch((e: unknown) => progress(`stopping the supervisor: ${String(e)}`));
    await removeNamespace(cri, NAMESPACE, 8).catch((e: unknown) => progress(`removing pods: ${String(e)}`));
    cri.close();
    await api.stop();
    await env.down();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult({ bench: 'mirror', notes: [`${cfg.pods} static pods in a burst`], metrics });
}

try {
  await main();
} catch (err) {
  const why = abort.signal.aborted ? 'interrupted' : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench:mirror failed: ${why}\n`);
  process.exitCode = 1;
}
