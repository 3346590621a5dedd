/**
 * Probe load: 110 pods with an httpGet readiness and a tcpSocket liveness probe every second,
 * plus 20 pods with exec probes every 10 s, on a private containerd. Reports the supervisor's
 * CPU and RSS, probe scheduling lateness (timer fired vs due) p50/p99, and the ExecSync load on
 * the runtime. Targets: CPU < 5 % of one core, lateness p99 < 50 ms.
 *
 * Phase A runs `staticlet run` as a child process and samples it from /proc (clean CPU/RSS);
 * phase B stops it (static pods keep running) and adopts the same pods with an in-process
 * Supervisor, whose ProberManager exposes the lateness samples and probe counts. Phase C runs
 * once those have stopped (the pods keep running) and points the bare prober
 * (probes/bare-prober.ts, a child process) at the same pods: the same TCP connects, GETs and
 * ExecSync calls on the same schedule, with no supervisor around them. Its CPU is the floor, and
 * the report gives staticlet's as a ratio to it: CPU on this VM drifts between days, the ratio
 * shows staticlet's own overhead.
 *
 * Needs root, like the containerd environment: the node reaches pod IPs through the .1 address
 * the benchmark puts on its own environment's bridge (see probes/net.ts); env.down() removes it.
 *
 * Run: npm run bench:probes. Env knobs: PROBES_SECONDS (60, window per phase),
 * PROBES_SETTLE_SECONDS (10), PROBES_WEB_PODS (110), PROBES_EXEC_PODS (20), PROBES_WEB_PERIOD (1),
 * PROBES_EXEC_PERIOD (10), PROBES_PHASES (ABC; any of the letters, always run in that order; C needs
 * A or B, which start the pods and bring them to Ready), PROBES_READY_TIMEOUT_SECONDS (300),
 * PROBES_TRACE (0; 1 prints every sampled second), PROBES_STATICLET_LOG (file to copy staticlet's
 * log to; phase B's goes to <file>.inproc), PROBES_CPU_PROF (file: V8 CPU profile of phase B's
 * window, top functions printed to stderr; the profiler's own cost then inflates phase B's CPU),
 * PROBES_NODE_ARGS (space-separated Node flags for phase A's child and phase C's bare prober;
 * unset means the flags of systemd/staticlet.service's ExecStart, set replaces them: e.g.
 * PROBES_NODE_ARGS= for Node's defaults, or add --perf-basic-prof for `perf record -p <pid>`).
 * Phase B runs in this process, so it has this process's flags: `npm run bench:probes` passes
 * the service's.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from '../src/api/generated/core-v1.js';
import { fetchStatus } from '../src/cli/status-client.js';
import { CriClient, POD_NAMESPACE_LABEL } from '../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../test/helpers/containerd.js';
import { removeNamespace } from './lifecycle/bare.js';
import { abort, checkAborted } from './lifecycle/wait.js';
import { nodeFlagsFromEnv, serviceNodeFlags } from './lib/node-flags.js';
import { BareProber, bareTargets, countMap } from './probes/bare.js';
import { startInProcess, type InProcess } from './probes/inproc.js';
import { addHostAddress, bridgeName, pickSubnet, removeBridge } from './probes/net.js';
import { benchPods, convergence, kindOf, NAMESPACE, type Convergence, type PodKind, type PodMix } from './probes/pods.js';
import { Profiler } from './probes/profile.js';
import { containerdPid, findShims, type Shim } from './probes/proc.js';
import { ratioAtMost, valueAtMost, writeResult, type Metric } from './lib/result.js';
import { countKey, format, TARGET_CPU_PCT, type BareReport, type PhaseReport, type Report } from './probes/report.js';
import { noteOf, ProbedStaticlet, summarizeNotes, type LogNote, type StaticletDirs } from './probes/staticlet.js';
import { procCpuMs, sampleWindow, selfCpuMs, type WindowResult, type WindowSubject } from './probes/window.js';
import { envInt } from './lib/env.js';


const phases = (process.env.PROBES_PHASES || 'ABC').toUpperCase();
if (!/^[ABC]+$/.test(phases)) throw new Error(`PROBES_PHASES must be a combination of A, B and C, got ${phases}`);
// Without a supervisor nothing would start the pods or tell when they are Ready.
if (!/[AB]/.test(phases)) throw new Error(`PROBES_PHASES=${phases}: phase C probes the pods phase A or B started; add A or B`);
const cfg = {
  seconds: envInt('PROBES_SECONDS', 60, 1),
  settleSeconds: envInt('PROBES_SETTLE_SECONDS', 10),
  mix: {
    web: envInt('PROBES_WEB_PODS', 110),
    webPeriodSeconds: envInt('PROBES_WEB_PERIOD', 1, 1),
    exec: envInt('PROBES_EXEC_PODS', 20),
    execPeriodSeconds: envInt('PROBES_EXEC_PERIOD', 10, 1),
  } satisfies PodMix,
  phaseA: phases.includes('A'),
  phaseB: phases.includes('B'),
  phaseC: phases.includes('C'),
  readyTimeoutMs: envInt('PROBES_READY_TIMEOUT_SECONDS', 300, 1) * 1000,
  trace: envInt('PROBES_TRACE', 0) > 0,
  log: process.env.PROBES_STATICLET_LOG || undefined,
  cpuProf: process.env.PROBES_CPU_PROF || undefined,
  nodeArgs: nodeFlagsFromEnv('PROBES_NODE_ARGS'),
};
const expected = cfg.mix.web + cfg.mix.exec;

const progress = (msg: string): void => void process.stderr.write(`[probes +${(performance.now() / 1000).toFixed(0)}s] ${msg}\n`);

/** Polls `list` until every benchmark pod is Running and Ready; ms after `t0`. */
async function waitConverged(list: () => Promise<Pod[]>, t0: number, what: string): Promise<number> {
  let lastNote = performance.now();
  for (;;) {
    checkAborted();
    const c = convergence(await list().catch(() => []));
    const at = performance.now() - t0;
    if (c.total === expected && c.ready === expected) {
      progress(`${what}: ${expected} pods Running and Ready after ${(at / 1000).toFixed(1)} s (${c.restarts} restarts so far)`);
      return at;
    }
    if (at > cfg.readyTimeoutMs) throw new Error(`${what}: ${c.ready}/${expected} pods ready (${c.running} running) after ${cfg.readyTimeoutMs} ms; e.g. ${c.notReady.join(' ')}`);
    if (performance.now() - lastNote > 10_000) {
      lastNote = performance.now();
      progress(`${what}: ${c.total} pods known, ${c.running} running, ${c.ready} ready (${c.restarts} restarts)`);
    }
    await sleep(1000, undefined, { signal: abort.signal });
  }
}

/** Shims of the benchmark's sandboxes, tagged with the kind of pod they serve. */
async function taggedShims(env: ContainerdEnv, cri: CriClient): Promise<Array<Shim & { kind: PodKind }>> {
  const sandboxes = await cri.listPodSandboxes({ labelSelector: { [POD_NAMESPACE_LABEL]: NAMESPACE } });
  const kindById = new Map(sandboxes.map((s) => [s.id, kindOf(s.metadata.name)]));
  return findShims(env.dir).flatMap((s) => {
    const kind = kindById.get(s.id);
    return kind ? [{ ...s, kind }] : [];
  });
}

interface WindowInput {
  label: string;
  env: ContainerdEnv;
  cri: CriClient;
  subject: WindowSubject;
  /** Right before / after the window (the CPU profiler). */
  open?: () => Promise<void>;
  close?: () => Promise<void>;
}

/** One sampled window, with its bounds for picking log lines and ExecSync calls that fell in it. */
interface Sample {
  window: WindowResult;
  fromEpoch: number;
  toEpoch: number;
  startPerf: number;
  endPerf: number;
}

async function settle(label: string): Promise<void> {
  progress(`${label}: settling ${cfg.settleSeconds} s`);
  await sleep(cfg.settleSeconds * 1000, undefined, { signal: abort.signal });
}

/** The same window for every phase: subject, containerd and the benchmark's shims. */
async function sample(p: WindowInput): Promise<Sample> {
  const shims = await taggedShims(p.env, p.cri);
  progress(`${p.label}: sampling for ${cfg.seconds} s (pid ${p.subject.pid}, ${shims.length} shims)`);
  await p.open?.();
  const fromEpoch = Date.now();
  const startPerf = performance.now();
  const window = await sampleWindow({ seconds: cfg.seconds, subject: p.subject, containerdPid: containerdPid(p.env.dir), shims, ...(cfg.trace ? { trace: progress } : {}) });
  const endPerf = performance.now();
  const toEpoch = Date.now();
  await p.close?.();
  progress(`${p.label}: ${window.supCpuPct.toFixed(2)} % CPU, RSS ${(window.rssEndKb / 1000).toFixed(0)} MB`);
  return { window, fromEpoch, toEpoch, startPerf, endPerf };
}

interface PhaseInput extends WindowInput {
  list: () => Promise<Pod[]>;
  t0: number;
}

/** A supervisor's phase: converge, settle, sample one window; the caller adds what only it can see. */
async function runPhase(p: PhaseInput): Promise<Sample & { report: Omit<PhaseReport, 'warnings'> }> {
  const convergedMs = await waitConverged(p.list, p.t0, p.label);
  await settle(p.label);
  const before: Convergence = convergence(await p.list());
  const s = await sample(p);
  const after = convergence(await p.list());
  progress(`${p.label}: ${after.ready}/${expected} ready after the window`);
  return { ...s, report: { label: p.label, settleSeconds: cfg.settleSeconds, convergedMs, window: s.window, after, restartsInWindow: after.restarts - before.restarts } };
}

/**
 * Phase C: the bare prober against the pods the earlier phases left running. Its counts cover
 * its whole life (settling and window): it reports them only when it stops.
 */
async function runBarePhase(env: ContainerdEnv, cri: CriClient, work: string): Promise<BareReport> {
  const label = 'phase C (bare prober)';
  const targets = await bareTargets(cri, cfg.mix, env.socket);
  const file = join(work, 'bare-targets.json');
  await writeFile(file, JSON.stringify(targets));
  const prober = await BareProber.start(file, cfg.nodeArgs);
  try {
    progress(`${label}: probing ${targets.webIPs.length} web pod IPs and ${targets.execContainerIds.length} exec containers`);
    await settle(label);
    const { window } = await sample({ label, env, cri, subject: { pid: prober.pid, cpuMs: procCpuMs(prober.pid) } });
    const counts = await prober.stop();
    const running = await cri.listContainers({ state: 'running', labelSelector: { [POD_NAMESPACE_LABEL]: NAMESPACE } });
    return {
      label,
      settleSeconds: cfg.settleSeconds,
      window,
      counts: countMap(counts),
      countSeconds: counts.seconds,
      targets: { web: targets.webIPs.length, exec: targets.execContainerIds.length },
      runningAtEnd: running.length,
    };
  } finally {
    prober.kill();
  }
}

async function stagePods(env: ContainerdEnv, dirs: StaticletDirs, work: string): Promise<void> {
  const stage = join(work, 'stage');
  await mkdir(stage, { recursive: true });
  const pods = benchPods(cfg.mix, env.busyboxImage);
  // Staged on the same filesystem, so each manifest appears complete in one rename.
  for (const p of pods) await writeFile(join(stage, `${p.name}.yaml`), p.yaml);
  for (const p of pods) await rename(join(stage, `${p.name}.yaml`), join(dirs.manifests, `${p.name}.yaml`));
}

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  const net = pickSubnet();
  // env.sh reads it when writing the CNI config; execFile passes our environment on.
  process.env.STATICLET_POD_SUBNET = net.subnet;
  progress(`starting a private containerd, pod subnet ${net.subnet} (${JSON.stringify({ ...cfg, phases })})`);
  const env = await startContainerd();
  let bridge: string | undefined;
  const cri = new CriClient({ endpoint: env.endpoint });
  let child: ProbedStaticlet | undefined;
  let inproc: InProcess | undefined;
  let report: Report | undefined;
  try {
    bridge = bridgeName(env.dir);
    addHostAddress(bridge, net.hostCidr);
    const work = join(env.dir, 'probes');
    const dirs: StaticletDirs = { manifests: join(work, 'manifests'), root: join(work, 'root'), logs: join(work, 'logs') };
    await mkdir(dirs.manifests, { recursive: true });
    const version = await cri.version();
    const cpu = cpus();
    report = {
      machine: `machine: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, node ${process.version}, ${version.runtimeName} ${version.runtimeVersion}`,
      mix: cfg.mix,
      subnet: net.subnet,
      profiled: cfg.phaseB && cfg.cpuProf !== undefined,
      nodeFlags: { child: cfg.nodeArgs, inProcess: process.execArgv, service: serviceNodeFlags() },
    };
    await stagePods(env, dirs, work);
    progress(`${expected} manifests written to ${dirs.manifests}`);

    if (cfg.phaseA) {
      const t0 = performance.now();
      child = new ProbedStaticlet(env.endpoint, dirs, { nodeArgs: cfg.nodeArgs, ...(cfg.log ? { logCopy: cfg.log } : {}) });
      await child.waitReady(60_000);
      const socket = join(dirs.root, 'staticlet.sock');
      const c = child;
      const r = await runPhase({
        label: 'phase A (child)',
        env,
        cri,
        subject: { pid: c.pid, cpuMs: procCpuMs(c.pid) },
        list: async () => (await fetchStatus<{ items: Pod[] }>(socket, '/pods')).items,
        t0,
      });
      await sleep(300); // the last log lines of the window may still be in the pipe
      report.phaseA = { ...r.report, warnings: summarizeNotes(c.notes, r.fromEpoch, r.toEpoch) };
      if (!c.alive) throw new Error(`staticlet exited during phase A:\n${c.lastLines()}`);
      progress('phase A: stopping staticlet (SIGTERM; the pods keep running)');
      await c.stop();
    }

    if (cfg.phaseB) {
      const t0 = performance.now();
      const logPath = cfg.log ? `${cfg.log}.inproc` : join(work, 'inproc.log');
      inproc = await startInProcess(env.endpoint, dirs, logPath);
      const { sup } = inproc;
      const prober = sup.probes;
      if (!prober) throw new Error('the in-process supervisor has no prober after start');
      const lateness: number[] = [];
      const latenessMaxPerSecond: number[] = [];
      // prober_probe_total from the supervisor's own registry, read at the window's edges.
      let countsBefore: Promise<Map<string, number>> = Promise.resolve(new Map());
      const subject: WindowSubject = {
        pid: process.pid,
        cpuMs: selfCpuMs,
        begin: () => {
          prober.lateness.splice(0);
          countsBefore = sup.metrics.probeCounts();
        },
        perSecond: () => {
          const got = prober.lateness.splice(0);
          for (const x of got) lateness.push(x);
          latenessMaxPerSecond.push(got.length ? Math.max(...got) : 0);
        },
      };
      const profiler = cfg.cpuProf ? new Profiler() : undefined;
      const r = await runPhase({
        label: 'phase B (in-process)',
        env,
        cri,
        subject,
        list: async () => sup.listPods(),
        t0,
        ...(profiler && cfg.cpuProf
          ? {
              open: () => profiler.start(),
              close: async () => progress(`CPU profile of the phase B window in ${cfg.cpuProf}; top self time:\n${(await profiler.stop(cfg.cpuProf!)).join('\n')}`),
            }
          : {}),
      });
      const probeCounts = new Map<string, number>();
      const before = await countsBefore;
      for (const [k, n] of await sup.metrics.probeCounts()) {
        const l = JSON.parse(k) as { probe_type: string; result: string; pod: string };
        const key = countKey(kindOf(l.pod), l.probe_type, l.result);
        probeCounts.set(key, (probeCounts.get(key) ?? 0) + n - (before.get(k) ?? 0));
      }
      const execCalls = inproc.execCalls.filter((c) => c.at >= r.startPerf && c.at < r.endPerf);
      progress('phase B: stopping the in-process supervisor');
      await inproc.stop();
      const notes = readFileSync(logPath, 'utf8')
        .split('\n')
        .map(noteOf)
        .filter((n): n is LogNote => n !== undefined);
      report.phaseB = { ...r.report, warnings: summarizeNotes(notes, r.fromEpoch, r.toEpoch), lateness, latenessMaxPerSecond, probeCounts, execCalls };
    }

    if (cfg.phaseC) report.phaseC = await runBarePhase(env, cri, work);
  } catch (err) {
    if (child) process.stderr.write(`last staticlet log lines:\n${child.lastLines()}\n`);
    throw err;
  } finally {
    progress('cleaning up');
    await child?.stop().catch((e: unknown) => progress(`stopping staticlet: ${String(e)}`));
    await inproc?.stop().catch((e: unknown) => progress(`stopping the in-process supervisor: ${String(e)}`));
    // Parallel removal first: env.down() removes pods one by one.
    await removeNamespace(cri, NAMESPACE, 8).catch((e: unknown) => progress(`removing pods: ${String(e)}`));
    cri.close();
    try {
      await env.down();
    } finally {
      if (bridge) removeBridge(bridge);
    }
  }
  process.stdout.write(`${format(report)}\n`);
  writeResult({ bench: 'probes', notes: [report.machine], metrics: metrics(report) });
}

/** The suite's rows: the child supervisor's (phase A) CPU against the bare prober's (phase C). */
function metrics(r: Report): Metric[] {
  const a = r.phaseA;
  if (!a) return [];
  const c = r.phaseC;
  return [
    {
      name: 'probe load CPU, supervisor vs bare prober',
      unit: '% core',
      staticlet: a.window.supCpuPct,
      ...(c ? { baseline: { name: 'bare prober', value: c.window.supCpuPct } } : {}),
      target: c ? ratioAtMost(1.3) : valueAtMost(TARGET_CPU_PCT, '%'),
    },
  ];
}

try {
  await main();
} catch (err) {
  const why = abort.signal.aborted ? 'interrupted' : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`bench:probes failed: ${why}\n`);
  process.exitCode = 1;
}
