/**
 * Control-plane cost of an idle node: 110 small busybox pods on a private containerd, staticlet
 * as a child process (`staticlet run`, sampled from /proc), windows with --kubeconfig pointing at
 * the kube-apiserver emulator (in this process, so its CPU is not counted) and windows without,
 * interleaved in the same run (on/off, then off/on, ...) so that drift on a shared VM hits both.
 * A first, unmeasured staticlet creates the pods; each window starts a new one, which adopts
 * them, and is sampled after a settle.
 *
 * Reports per window: supervisor CPU (% of one core, /proc utime+stime), RSS (mean of per-second
 * samples) and, with the control plane, the API requests it made (from the emulator's log) per
 * minute. Targets: ≤ 8 requests/min (six Lease renewals, at most one status report and the
 * re-opening of the mirror pods' watch of this node's pods, every 5-10 min; no pod LIST and no
 * pod status PATCH while idle), control
 * plane on vs off ≤ +0.2 % of a core and ≤ +15 MB RSS. Kubelet defaults: Lease 40 s (renewed every
 * 10 s), node status computed every 10 s, reported every 5 min unless it changed.
 *
 * Needs root, like the containerd environment. Run: npm run bench:controlplane. Env knobs:
 * CP_PODS (110), CP_SECONDS (60, per window), CP_SETTLE_SECONDS (20), CP_ROUNDS (2),
 * CP_NODE_ARGS (Node flags for the child; unset: the systemd unit's), CP_TRACE (0).
 */
import { idlePodYaml } from './lib/manifest.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient, POD_NAMESPACE_LABEL } from '../src/runtime/index.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { startApiServer, type RequestRecord } from '../test/support/apiserver/index.js';
import { removeNamespace } from './lifecycle/bare.js';
import { cpuTicks, CLK_TCK, statusKb } from './lifecycle/proc.js';
import { abort, checkAborted } from './lifecycle/wait.js';
import { nodeFlagsFromEnv } from './lib/node-flags.js';
import { StaticletChild } from './lib/staticlet-child.js';
import { envInt } from './lib/env.js';
import { differenceAtMost, valueAtMost, writeResult } from './lib/result.js';


const cfg = {
  pods: envInt('CP_PODS', 110, 1),
  seconds: envInt('CP_SECONDS', 60, 5),
  settleSeconds: envInt('CP_SETTLE_SECONDS', 20),
  rounds: envInt('CP_ROUNDS', 2, 1),
  trace: envInt('CP_TRACE', 0) > 0,
  nodeArgs: nodeFlagsFromEnv('CP_NODE_ARGS'),
};
const NAMESPACE = 'bench-cp';
const NODE = 'node-1';
const progress = (msg: string): void => void process.stderr.write(`[controlplane +${(performance.now() / 1000).toFixed(0)}s] ${msg}\n`);


interface Window {
  mode: 'on' | 'off';
  round: number;
  cpuPct: number;
  rssMeanMb: number;
  rssMaxMb: number;
  requests: number;
  perMinute: number;
  byKind: Record<string, number>;
}

async function waitRunning(cri: CriClient, expected: number, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  let last = 0;
  for (;;) {
    checkAborted();
    const n = (await cri.listContainers({ state: 'running', labelSelector: { [POD_NAMESPACE_LABEL]: NAMESPACE } })).length;
    if (n >= expected) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`only ${n}/${expected} containers running after ${timeoutMs} ms`);
    if (Date.now() - last > 15_000) {
      last = Date.now();
      progress(`${n}/${expected} containers running`);
    }
    await sleep(1000, undefined, { signal: abort.signal });
  }
}

/** CPU over the window and RSS every second. */
async function sample(pid: number, seconds: number): Promise<{ cpuPct: number; rssMeanMb: number; rssMaxMb: number }> {
  const t0 = performance.now();
  const c0 = cpuTicks(pid);
  const rss: number[] = [];
  for (let i = 1; i <= seconds; i++) {
    checkAborted();
    await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
    rss.push(statusKb(pid, 'VmRSS'));
    if (cfg.trace) progress(`second ${i}: ${cpuTicks(pid) - c0} ticks so far, RSS ${rss.at(-1)} kB`);
  }
  const wallMs = performance.now() - t0;
  const ticks = cpuTicks(pid) - c0;
  return { cpuPct: (ticks / CLK_TCK / (wallMs / 1000)) * 100, rssMeanMb: rss.reduce((a, b) => a + b, 0) / rss.length / 1024, rssMaxMb: Math.max(...rss) / 1024 };
}

const kind = (r: RequestRecord): string => `${r.method} ${r.path.replace(new RegExp(`/${NODE}(/|$)`), '/<node>$1')} ${r.status}`;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  progress(`${cfg.pods} pods, ${cfg.rounds} rounds of on/off windows of ${cfg.seconds} s after ${cfg.settleSeconds} s settles`);
  const env = await startContainerd();
  const api = await startApiServer();
  // The pods' namespace exists on the cluster: each gets its mirror pod, as on a real node.
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  const cri = new CriClient({ endpoint: env.endpoint });
  const dir = join(env.dir, 'cp-bench');
  const manifests = join(dir, 'manifests');
  await mkdir(manifests, { recursive: true });
  const kubeconfig = await api.kubeconfig({ user: `system:node:${NODE}`, groups: ['system:nodes'] });
  const windows: Window[] = [];
  let child: StaticletChild | undefined;
  try {
    for (let i = 0; i < cfg.pods; i++) {
      const name = `cp-${String(i).padStart(3, '0')}`;
      await writeFile(join(manifests, `${name}.yaml`), idlePodYaml(name, NAMESPACE, env.busyboxImage));
    }
    const args = (on: boolean) => [
      'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', manifests, '--container-runtime-endpoint', env.endpoint, '--root-dir', join(dir, 'root'),
      '--pod-logs-dir', join(dir, 'logs'), '--container-log-links-dir', join(dir, 'links'), '--hostname-override', NODE, '--node-ip', '127.0.0.1',
      '--logging-format', 'json', '--v', '0', ...(on ? ['--kubeconfig', kubeconfig] : []),
    ];
    // Warm-up, not measured: a first staticlet creates the pods; every window then adopts them.
    child = new StaticletChild(args(false), { nodeArgs: cfg.nodeArgs });
    await child.waitReady(120_000);
    await waitRunning(cri, cfg.pods, 600_000);
    progress(`warm-up: ${cfg.pods} pods created; stopping the first staticlet`);
    await child.stop();
    child = undefined;
    for (let round = 1; round <= cfg.rounds; round++) {
      // on/off in the first round, off/on in the second, ...: neither always goes first.
      const order: Array<'on' | 'off'> = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
      for (const mode of order) {
        checkAborted();
        child = new StaticletChild(args(mode === 'on'), { nodeArgs: cfg.nodeArgs });
        await child.waitReady(120_000);
        await waitRunning(cri, cfg.pods, 600_000);
        progress(`round ${round}, control plane ${mode}: ${cfg.pods} pods running; settling ${cfg.settleSeconds} s`);
        await sleep(cfg.settleSeconds * 1000, undefined, { signal: abort.signal });
        const from = api.requests.length;
        const s = await sample(child.pid, cfg.seconds);
        const seen = api.requests.slice(from);
        const byKind: Record<string, number> = {};
        for (const r of seen) byKind[kind(r)] = (byKind[kind(r)] ?? 0) + 1;
        const w: Window = { mode, round, ...s, requests: seen.length, perMinute: (seen.length * 60) / cfg.seconds, byKind };
        windows.push(w);
        progress(`round ${round}, control plane ${mode}: CPU ${w.cpuPct.toFixed(3)} % of a core, RSS mean ${w.rssMeanMb.toFixed(1)} MB, ${w.requests} API requests`);
        await child.stop();
        child = undefined;
      }
    }
  } catch (err) {
    if (child) process.stderr.write(`last staticlet log lines:\n${child.lastLines()}\n`);
    throw err;
  } finally {
    progress('cleaning up');
    await child?.stop().catch((e: unknown) => progress(`stopping staticlet: ${String(e)}`));
    await removeNamespace(cri, NAMESPACE, 8).catch((e: unknown) => progress(`removing pods: ${String(e)}`));
    cri.close();
    await api.stop();
    await env.down();
  }
  process.stdout.write(`${report(windows)}\n`);
  const on = windows.filter((w) => w.mode === 'on');
  const off = windows.filter((w) => w.mode === 'off');
  const withoutCp = { name: 'control plane off' };
  writeResult({
    bench: 'controlplane',
    notes: [`${cfg.pods} idle pods, ${cfg.rounds} rounds of ${cfg.seconds} s windows`],
    metrics: [
      { name: `API requests/min, ${cfg.pods} idle pods (worst window)`, unit: 'req/min', staticlet: Math.max(...on.map((w) => w.perMinute)), target: valueAtMost(8, 'req/min') },
      { name: `idle CPU with control plane, ${cfg.pods} pods`, unit: '% core', staticlet: mean(on.map((w) => w.cpuPct)), baseline: { ...withoutCp, value: mean(off.map((w) => w.cpuPct)) }, target: differenceAtMost(0.2, '%') },
      { name: `idle RSS with control plane, ${cfg.pods} pods (mean)`, unit: 'MB', staticlet: mean(on.map((w) => w.rssMeanMb)), baseline: { ...withoutCp, value: mean(off.map((w) => w.rssMeanMb)) }, target: differenceAtMost(15, 'MB') },
    ],
  });
}

function report(ws: Window[]): string {
  const on = ws.filter((w) => w.mode === 'on');
  const off = ws.filter((w) => w.mode === 'off');
  const lines = [
    `bench:controlplane — ${cfg.pods} idle pods, ${cfg.rounds} rounds × (on, off) windows of ${cfg.seconds} s (settle ${cfg.settleSeconds} s)`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}, flags ${cfg.nodeArgs.join(' ') || '(none)'}`,
    '',
    'round  control plane  CPU % core  RSS mean MB  RSS max MB  API requests/min',
  ];
  for (const w of ws) lines.push(`${String(w.round).padEnd(7)}${w.mode.padEnd(15)}${w.cpuPct.toFixed(3).padStart(10)}  ${w.rssMeanMb.toFixed(1).padStart(11)}  ${w.rssMaxMb.toFixed(1).padStart(10)}  ${w.mode === 'on' ? w.perMinute.toFixed(1).padStart(16) : '               -'}`);
  const dCpu = mean(on.map((w) => w.cpuPct)) - mean(off.map((w) => w.cpuPct));
  const dRss = mean(on.map((w) => w.rssMeanMb)) - mean(off.map((w) => w.rssMeanMb));
  const perMin = Math.max(...on.map((w) => w.perMinute));
  const kinds: Record<string, number> = {};
  for (const w of on) for (const [k, n] of Object.entries(w.byKind)) kinds[k] = (kinds[k] ?? 0) + n;
  lines.push('');
  lines.push(`API requests in the 'on' windows: ${Object.entries(kinds).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}`);
  lines.push(`requests/min (worst window): ${perMin.toFixed(1)}  target ≤ 8  ${perMin <= 8 ? 'OK' : 'OVER'}`);
  lines.push(`CPU on − off: ${dCpu >= 0 ? '+' : ''}${dCpu.toFixed(3)} % of a core (on ${mean(on.map((w) => w.cpuPct)).toFixed(3)}, off ${mean(off.map((w) => w.cpuPct)).toFixed(3)}; ratio ${(mean(on.map((w) => w.cpuPct)) / mean(off.map((w) => w.cpuPct))).toFixed(2)})  target ≤ +0.2  ${dCpu <= 0.2 ? 'OK' : 'OVER'}`);
  lines.push(`RSS on − off: ${dRss >= 0 ? '+' : ''}${dRss.toFixed(1)} MB (on ${mean(on.map((w) => w.rssMeanMb)).toFixed(1)}, off ${mean(off.map((w) => w.rssMeanMb)).toFixed(1)})  target ≤ +15  ${dRss <= 15 ? 'OK' : 'OVER'}`);
  lines.push(`CPU resolution: 1 tick = ${(100 / CLK_TCK / cfg.seconds).toFixed(3)} % of a core over one window`);
  return lines.join('\n');
}

try {
  await main();
} catch (err) {
  const why = abort.signal.aborted ? 'interrupted' : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench:controlplane failed: ${why}\n`);
  process.exitCode = 1;
}
