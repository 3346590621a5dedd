/**
 * Pod start latency of `staticlet run` (manifest written -> every container running) against a
 * bare gRPC CRI client making the same calls at the same concurrency on the same private
 * containerd, interleaved A/B; then the supervisor's idle CPU and RSS with a full node of pods.
 * Run: npm run bench:lifecycle. Env knobs: LIFECYCLE_SINGLE_REPS (20), LIFECYCLE_BURST_REPS (3),
 * LIFECYCLE_BURST_PODS (110), LIFECYCLE_CONCURRENCY (staticlet's default, 16),
 * LIFECYCLE_IDLE_SECONDS (60), LIFECYCLE_SETTLE_SECONDS (20), LIFECYCLE_POLL_MS (20),
 * LIFECYCLE_WARMUP_BURST (1: warm up with a full burst, 0: with one pod), LIFECYCLE_IDLE_TRACE (0:
 * 1 prints every idle second's CPU ticks), LIFECYCLE_STATICLET_LOG (file to copy staticlet's log to).
 */
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_CONCURRENT_SYNCS } from '../src/pods/manager.js';
import { CriClient } from '../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../test/helpers/containerd.js';
import { BareCri, removeNamespace } from './lifecycle/bare.js';
import { GRACE_SECONDS, loadPod, manifestYaml, NODE } from './lifecycle/pods.js';
import { CLK_TCK, cpuTicks, sampleIdle, statusKb } from './lifecycle/proc.js';
import { format, type Rep, type Report, type Scenario } from './lifecycle/report.js';
import { lastMark, StaticletProcess } from './lifecycle/staticlet.js';
import { abort, pool, waitAllRunning, waitGone } from './lifecycle/wait.js';
import { envInt } from './lib/env.js';
import { ratioAtMost, valueAtMost, writeResult, type Metric } from './lib/result.js';
import { percentile } from './stats.js';


const cfg = {
  singleReps: envInt('LIFECYCLE_SINGLE_REPS', 20),
  burstReps: envInt('LIFECYCLE_BURST_REPS', 3),
  burstPods: envInt('LIFECYCLE_BURST_PODS', 110),
  width: envInt('LIFECYCLE_CONCURRENCY', DEFAULT_MAX_CONCURRENT_SYNCS),
  // One full --sync-frequency period (1 min) and three manifest rescans (20 s): a 30 s window
  // catches the resync of all pods or not, by chance, and the figure jumps by half a percent.
  idleSeconds: envInt('LIFECYCLE_IDLE_SECONDS', 60),
  // Lets the post-burst follow-up syncs and V8's memory-reducing major GC pass first.
  settleSeconds: envInt('LIFECYCLE_SETTLE_SECONDS', 20),
  pollMs: envInt('LIFECYCLE_POLL_MS', 20),
  warmupBursts: envInt('LIFECYCLE_WARMUP_BURST', 1) > 0,
  idleTrace: envInt('LIFECYCLE_IDLE_TRACE', 0) > 0,
};
const START_TIMEOUT_MS = 300_000;
const GONE_TIMEOUT_MS = 300_000;

const progress = (msg: string): void => void process.stderr.write(`[lifecycle +${(performance.now() / 1000).toFixed(0)}s] ${msg}\n`);

interface Ctx {
  env: ContainerdEnv;
  containerdPid: number;
  work: string;
  cri: CriClient;
  bare: BareCri;
  staticlet: StaticletProcess;
}

const ticksToMs = (ticks: number): number => (ticks / CLK_TCK) * 1000;
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

/** Clock starts right before the first rename into the watched directory. */
async function staticletRep(c: Ctx, ns: string, n: number): Promise<Rep> {
  const stage = join(c.work, 'stage', ns);
  await mkdir(stage, { recursive: true });
  // Staged on the same filesystem, so each manifest appears complete in one rename.
  for (const name of names(n)) await writeFile(join(stage, `${name}.yaml`), manifestYaml(name, ns, c.env.busyboxImage));
  const cpu0 = cpuTicks(c.staticlet.pid);
  const rt0 = cpuTicks(c.containerdPid);
  const t0 = performance.now();
  const t0Epoch = performance.timeOrigin + t0;
  const running = waitAllRunning(c.cri, ns, n, t0, cfg.pollMs, START_TIMEOUT_MS);
  running.catch(() => undefined);
  for (const name of names(n)) await rename(join(stage, `${name}.yaml`), join(c.work, 'manifests', `${ns}-${name}.yaml`));
  const r = await running;
  const cpuMs = ticksToMs(cpuTicks(c.staticlet.pid) - cpu0);
  const runtimeCpuMs = ticksToMs(cpuTicks(c.containerdPid) - rt0);
  // The last event lines may still be in the pipe.
  await sleep(300);
  return { ...r, cpuMs, runtimeCpuMs, startedMs: lastMark(c.staticlet.marks, ns, 'Started', t0Epoch), seenMs: lastMark(c.staticlet.marks, ns, 'pod added', t0Epoch) };
}

async function staticletTeardown(c: Ctx, ns: string, n: number): Promise<void> {
  for (const name of names(n)) await unlink(join(c.work, 'manifests', `${ns}-${name}.yaml`));
  await waitGone(c.cri, ns, GONE_TIMEOUT_MS);
}

/** Clock starts right before the first CRI call; YAML parsing is done before it. */
async function bareRep(c: Ctx, ns: string, n: number, width: number): Promise<Rep> {
  const pods = names(n).map((name) => loadPod(name, ns, c.env.busyboxImage, join(c.work, 'bare-manifests', `${ns}-${name}.yaml`)));
  const rt0 = cpuTicks(c.containerdPid);
  const t0 = performance.now();
  const running = waitAllRunning(c.cri, ns, n, t0, cfg.pollMs, START_TIMEOUT_MS);
  running.catch(() => undefined);
  let last = -Infinity;
  await pool(pods, width, async (pod) => {
    last = Math.max(last, await c.bare.startPod(pod));
  });
  const r = await running;
  return { ...r, runtimeCpuMs: ticksToMs(cpuTicks(c.containerdPid) - rt0), startedMs: last - t0 };
}

async function bareTeardown(c: Ctx, ns: string): Promise<void> {
  await removeNamespace(c.cri, ns, cfg.width, GRACE_SECONDS);
  await waitGone(c.cri, ns, GONE_TIMEOUT_MS);
}

type Side = 's' | 'b';
const SIDES: Side[] = ['s', 'b'];

/** Start n pods on one side, optionally do something while they run, then remove them all. */
async function measure(c: Ctx, side: Side, ns: string, n: number, width: number, whileRunning?: () => Promise<void>): Promise<Rep> {
  const rep = side === 's' ? await staticletRep(c, ns, n) : await bareRep(c, ns, n, width);
  await whileRunning?.();
  const t0 = performance.now();
  if (side === 's') await staticletTeardown(c, ns, n);
  else await bareTeardown(c, ns);
  return { ...rep, downMs: performance.now() - t0 };
}

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  // Other work on the machine shows in every figure; the load average makes a disturbed run visible.
  const loadBefore = loadavg()[0]!;
  progress(`starting a private containerd (${JSON.stringify(cfg)})`);
  const env = await startContainerd();
  const work = join(env.dir, 'lifecycle');
  const cri = new CriClient({ endpoint: env.endpoint });
  let bare: BareCri | undefined;
  let staticlet: StaticletProcess | undefined;
  let report: Report | undefined;
  let readyMs = NaN;
  try {
    const dirs = { manifests: join(work, 'manifests'), root: join(work, 'root'), logs: join(work, 'logs') };
    await mkdir(dirs.manifests, { recursive: true });
    const node = { nodeName: NODE, hostIP: '127.0.0.1', rootDir: join(work, 'bare-root'), podLogsDir: join(work, 'bare-logs'), clusterDNS: [], resolvConf: '/etc/resolv.conf', runtimeName: 'containerd' };
    bare = await BareCri.create(env.socket, node);
    const spawnedAt = performance.now();
    staticlet = new StaticletProcess(env.endpoint, dirs);
    await staticlet.waitReady(30_000);
    readyMs = performance.now() - spawnedAt;
    await sleep(1000);
    const startRssKb = statusKb(staticlet.pid, 'VmRSS');
    const containerdPid = Number((await readFile(join(env.dir, 'containerd.pid'), 'utf8')).trim());
    const c: Ctx = { env, containerdPid, work, cri, bare, staticlet };
    const version = await cri.version();
    const cpu = cpus();
    const machine = `machine: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, node ${process.version}, ${version.runtimeName} ${version.runtimeVersion}`;

    // One-off costs (sandbox image unpack, CNI plugin and shim binaries, kernel slabs for a full
    // node of netns and veths) otherwise land on whichever side goes first.
    progress(`warm-up: ${cfg.warmupBursts ? `${cfg.burstPods} pods` : 'one pod'} each side, not measured`);
    for (const side of SIDES) await measure(c, side, `lc-w${side}`, cfg.warmupBursts ? cfg.burstPods : 1, cfg.width);

    const single: Scenario = { label: '1 pod', staticlet: [], bare: [] };
    const burst: Scenario = { label: `${cfg.burstPods} pods, ${cfg.width} in flight`, staticlet: [], bare: [] };
    const order = (i: number): Side[] => (i % 2 === 0 ? SIDES : [...SIDES].reverse());
    for (let i = 0; i < cfg.singleReps; i++) {
      for (const side of order(i)) (side === 's' ? single.staticlet : single.bare).push(await measure(c, side, `lc-1${side}-${i}`, 1, 1));
      progress(`1 pod ${i + 1}/${cfg.singleReps}: staticlet ${single.staticlet.at(-1)!.allMs.toFixed(0)} ms, bare ${single.bare.at(-1)!.allMs.toFixed(0)} ms`);
    }
    let idle: Report['idle'];
    const sampleWhileRunning = async (): Promise<void> => {
      progress(`sampling staticlet (pid ${c.staticlet.pid}) idle for ${cfg.idleSeconds} s`);
      await sleep(cfg.settleSeconds * 1000);
      const sample = await sampleIdle(c.staticlet.pid, cfg.idleSeconds, cfg.idleTrace ? progress : undefined);
      idle = { pods: cfg.burstPods, settleSeconds: cfg.settleSeconds, sample, startRssKb, hwmKb: statusKb(c.staticlet.pid, 'VmHWM') };
    };
    for (let i = 0; i < cfg.burstReps; i++) {
      for (const side of order(i)) {
        const last = side === 's' && i === cfg.burstReps - 1 && cfg.idleSeconds > 0;
        const rep = await measure(c, side, `lc-n${side}-${i}`, cfg.burstPods, cfg.width, last ? sampleWhileRunning : undefined);
        (side === 's' ? burst.staticlet : burst.bare).push(rep);
        progress(`burst ${i + 1}/${cfg.burstReps}: ${side === 's' ? 'staticlet' : 'bare'} ${rep.allMs.toFixed(0)} ms`);
      }
    }
    report = {
      // Only before: a burst teardown (110 runc deletes) drives the load up by itself.
      machine: `${machine}, load average (1 min) before the run ${loadBefore.toFixed(2)}`,
      pollMs: cfg.pollMs,
      targetRatio: 1.25,
      scenarios: [single, ...(cfg.burstReps > 0 ? [burst] : [])],
      ...(idle ? { idle } : {}),
      targetRssMb: 80,
      targetCpuPct: 1,
    };
  } catch (err) {
    if (staticlet) process.stderr.write(`last staticlet log lines:\n${staticlet.lastLines()}\n`);
    throw err;
  } finally {
    progress('cleaning up');
    await staticlet?.stop().catch((e: unknown) => progress(`stopping staticlet: ${String(e)}`));
    bare?.close();
    cri.close();
    await env.down();
  }
  process.stdout.write(`${format(report)}\n`);
  writeResult({ bench: 'lifecycle', notes: [report.machine], metrics: metrics(report, readyMs) });
}

/** The suite's rows: p50 start latency per scenario against the bare client, then idle cost. */
function metrics(r: Report, readyMs: number): Metric[] {
  const p50 = (reps: Rep[], key: 'allMs' | 'downMs' = 'allMs'): number => percentile(reps.map((x) => x[key] ?? NaN), 50);
  const out: Metric[] = r.scenarios.map((s, i) => ({
    name: `manifest -> running, ${s.label} (p50)`,
    unit: 'ms',
    staticlet: p50(s.staticlet),
    baseline: { name: 'bare CRI client, same configs', value: p50(s.bare) },
    // The burst target is the issue's 1.15, tighter than the single pod's.
    target: ratioAtMost(i === 0 ? r.targetRatio : 1.15),
  }));
  // Teardown matters for the burst only: one pod's is within the poll interval.
  const burst = r.scenarios[1];
  if (burst) out.push({ name: `teardown, ${burst.label} (p50)`, unit: 'ms', staticlet: p50(burst.staticlet, 'downMs'), baseline: { name: 'bare CRI client, same width', value: p50(burst.bare, 'downMs') }, target: ratioAtMost(1.15) });
  // No pods yet and a fresh process: what a restart of the service costs before it acts.
  out.push({ name: "supervisor spawn -> 'pod manager started' (50 ms poll)", unit: 'ms', staticlet: readyMs });
  if (r.idle) {
    const { sample: s, pods } = r.idle;
    out.push({ name: `idle CPU, ${pods} pods`, unit: '% core', staticlet: s.cpuPct, target: valueAtMost(r.targetCpuPct, '%') });
    out.push({ name: `idle RSS, ${pods} pods (max in window)`, unit: 'MB', staticlet: (s.rssMaxKb * 1024) / 1e6, target: valueAtMost(r.targetRssMb, 'MB') });
  }
  return out;
}

await main();
