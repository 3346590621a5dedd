/**
 * The podman peer: `podman kube play` (Debian's podman 4.3) against `staticlet run` on the same
 * host-network busybox pod, A/B interleaved in one run:
 *   1. one pod, manifest -> running, then its teardown, ×PODMAN_SINGLE_REPS;
 *   2. a burst of PODMAN_BURST_PODS pods up, then down, at the same concurrency on both sides
 *      (staticlet's pod workers; podman processes in flight), ×PODMAN_BURST_REPS.
 * staticlet runs on the private containerd of the tests; podman on its own store, with the same
 * OCI busybox archive loaded into it (no registry on either side).
 * Run: npm run bench:podman. Env knobs: PODMAN_SINGLE_REPS (10), PODMAN_BURST_PODS (110),
 * PODMAN_BURST_REPS (1), PODMAN_CONCURRENCY (staticlet's default, 16), PODMAN_POLL_MS (20).
 * Needs /etc/containers/containers.conf as in ../shared/reference/peers/podman.md.
 */
import { execFile } from 'node:child_process';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_CONCURRENT_SYNCS } from '../../src/pods/manager.js';
import { CriClient } from '../../src/runtime/index.js';
import { startContainerd } from '../../test/helpers/containerd.js';
import { envInt } from '../lib/env.js';
import { benchPodYaml } from '../lib/manifest.js';
import { fasterThan, writeResult, type Metric } from '../lib/result.js';
import { GRACE_SECONDS, TERM_EXITING_SLEEP } from '../lifecycle/pods.js';
import { StaticletProcess } from '../lifecycle/staticlet.js';
import { abort, pool, waitAllRunning, waitGone } from '../lifecycle/wait.js';
import { percentile } from '../stats.js';

const cfg = {
  singleReps: envInt('PODMAN_SINGLE_REPS', 10),
  burstPods: envInt('PODMAN_BURST_PODS', 110, 1),
  burstReps: envInt('PODMAN_BURST_REPS', 1),
  width: envInt('PODMAN_CONCURRENCY', DEFAULT_MAX_CONCURRENT_SYNCS, 1),
  pollMs: envInt('PODMAN_POLL_MS', 20, 1),
};
const TIMEOUT_MS = 300_000;
/** Every podman pod this bench makes is named so; leftovers of an interrupted run go by it. */
const PREFIX = 'sbench-';
/** podman.md: kube down's cgroup rmdir deadlock ends after ~3.3 s; slower downs are counted. */
const SLOW_DOWN_MS = 3000;

const progress = (msg: string): void => void process.stderr.write(`[podman +${(performance.now() / 1000).toFixed(0)}s] ${msg}\n`);

function podman(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { cwd, timeout: TIMEOUT_MS, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`podman ${args.join(' ')}: ${err.message.split('\n')[0]}\n${stderr.trim().split('\n').slice(-5).join('\n')}`));
      else resolve(stdout);
    });
  });
}

/** The same YAML for both sides: podman needs imagePullPolicy Never to stay off registries. */
function podYaml(name: string, namespace: string, image: string): string {
  return benchPodYaml(name, namespace, { name: 'app', image, lines: ['imagePullPolicy: Never', TERM_EXITING_SLEEP] }, ['hostNetwork: true']);
}

interface UpDown {
  upMs: number;
  downMs: number;
  /** podman only: pods whose stop + rm took the deadlock path. */
  slowDowns?: number;
}

interface Ctx {
  cri: CriClient;
  staticlet: StaticletProcess;
  image: string;
  work: string;
}

const names = (ns: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${ns}-p${i}`);

/** staticlet: clock from the first rename into the watched directory to every container running. */
async function staticletSide(c: Ctx, ns: string, n: number): Promise<UpDown> {
  const stage = join(c.work, 'stage', ns);
  await mkdir(stage, { recursive: true });
  for (const name of names(ns, n)) await writeFile(join(stage, `${name}.yaml`), podYaml(name, ns, c.image));
  const t0 = performance.now();
  const running = waitAllRunning(c.cri, ns, n, t0, cfg.pollMs, TIMEOUT_MS);
  running.catch(() => undefined);
  for (const name of names(ns, n)) await rename(join(stage, `${name}.yaml`), join(c.work, 'manifests', `${name}.yaml`));
  const { allMs: upMs } = await running;
  const t1 = performance.now();
  for (const name of names(ns, n)) await unlink(join(c.work, 'manifests', `${name}.yaml`));
  await waitGone(c.cri, ns, TIMEOUT_MS);
  return { upMs, downMs: performance.now() - t1 };
}

/**
 * podman: `kube play` returns once the pod's containers are started, so its exit is the stop
 * clock (no poller). Down is the podman.md workaround, stop then rm in separate processes, since
 * a plain `kube down` takes the ~3.3 s deadlock path on most pods and would flatter staticlet.
 */
async function podmanSide(c: Ctx, ns: string, n: number, width: number): Promise<UpDown> {
  const files = names(ns, n).map((name) => ({ name, file: join(c.work, 'podman', `${name}.yaml`) }));
  await mkdir(join(c.work, 'podman'), { recursive: true });
  for (const f of files) await writeFile(f.file, podYaml(f.name, ns, c.image));
  const t0 = performance.now();
  await pool(files, width, async (f) => void (await podman(['kube', 'play', f.file], c.work)));
  const upMs = performance.now() - t0;
  let slowDowns = 0;
  const t1 = performance.now();
  await pool(files, width, async (f) => {
    const s = performance.now();
    // The manifest's grace period, as staticlet honours it (the pod exits on SIGTERM anyway).
    await podman(['pod', 'stop', '-t', String(GRACE_SECONDS), f.name], c.work);
    await podman(['pod', 'rm', f.name], c.work);
    if (performance.now() - s > SLOW_DOWN_MS) slowDowns++;
  });
  return { upMs, downMs: performance.now() - t1, slowDowns };
}

/** Pods of an earlier, interrupted run would make `kube play` fail with "name in use". */
async function removeLeftovers(work: string): Promise<void> {
  const ids = (await podman(['pod', 'ps', '-q', '--filter', `name=^${PREFIX}`], work)).split('\n').filter(Boolean);
  if (ids.length) await podman(['pod', 'rm', '-f', ...ids], work);
}

async function podmanAvailable(): Promise<string | undefined> {
  try {
    return (await podman(['--version'], '/')).trim();
  } catch {
    return undefined;
  }
}

const p50 = (xs: number[]): number => percentile(xs, 50);

async function main(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
  const version = await podmanAvailable();
  if (!version) {
    // A skipped peer, not a failure: the suite shows the rows as missing.
    process.stdout.write('podman not found: the podman peer is skipped\n');
    writeResult({ bench: 'podman', notes: ['podman not found: skipped'], metrics: [] });
    return;
  }
  progress(`${version}; starting a private containerd (${JSON.stringify(cfg)})`);
  const env = await startContainerd();
  const work = join(env.dir, 'podman-peer');
  const cri = new CriClient({ endpoint: env.endpoint });
  let staticlet: StaticletProcess | undefined;
  const single: { s: UpDown[]; p: UpDown[] } = { s: [], p: [] };
  const burst: { s: UpDown[]; p: UpDown[] } = { s: [], p: [] };
  try {
    await mkdir(join(work, 'manifests'), { recursive: true });
    await removeLeftovers(work);
    // podman keeps its own image store: load the same archive containerd imported.
    const image = env.busyboxImage;
    if ((await podman(['images', '-q', image], work)).trim() === '') await podman(['load', '-i', join(env.dir, 'images', 'busybox.tar')], work);
    staticlet = new StaticletProcess(env.endpoint, { manifests: join(work, 'manifests'), root: join(work, 'root'), logs: join(work, 'logs') });
    await staticlet.waitReady(30_000);
    await sleep(1000);
    const c: Ctx = { cri, staticlet, image, work };

    // podman builds its infra image on the first pod; staticlet's first pod compiles validators.
    progress('warm-up: one pod each side, not measured');
    await staticletSide(c, `${PREFIX}w-s`, 1);
    await podmanSide(c, `${PREFIX}w-p`, 1, 1);

    const order = (i: number): Array<'s' | 'p'> => (i % 2 === 0 ? ['s', 'p'] : ['p', 's']);
    for (let i = 0; i < cfg.singleReps; i++) {
      for (const side of order(i)) {
        if (side === 's') single.s.push(await staticletSide(c, `${PREFIX}1s-${i}`, 1));
        else single.p.push(await podmanSide(c, `${PREFIX}1p-${i}`, 1, 1));
      }
      progress(`1 pod ${i + 1}/${cfg.singleReps}: staticlet ${single.s.at(-1)!.upMs.toFixed(0)} ms up, podman ${single.p.at(-1)!.upMs.toFixed(0)} ms up`);
    }
    for (let i = 0; i < cfg.burstReps; i++) {
      for (const side of order(i)) {
        if (side === 's') burst.s.push(await staticletSide(c, `${PREFIX}ns-${i}`, cfg.burstPods));
        else burst.p.push(await podmanSide(c, `${PREFIX}np-${i}`, cfg.burstPods, cfg.width));
        const r = (side === 's' ? burst.s : burst.p).at(-1)!;
        progress(`burst ${i + 1}/${cfg.burstReps}: ${side === 's' ? 'staticlet' : 'podman'} up ${r.upMs.toFixed(0)} ms, down ${r.downMs.toFixed(0)} ms`);
      }
    }
  } catch (err) {
    if (staticlet) process.stderr.write(`last staticlet log lines:\n${staticlet.lastLines()}\n`);
    throw err;
  } finally {
    progress('cleaning up');
    // The trap from podman.md: a failed kube play leaves Created pods behind; remove them all.
    await removeLeftovers(work).catch((e: unknown) => progress(`removing podman pods: ${String(e)}`));
    await staticlet?.stop().catch((e: unknown) => progress(`stopping staticlet: ${String(e)}`));
    cri.close();
    await env.down();
  }

  const metrics: Metric[] = [];
  const add = (name: string, s: UpDown[], p: UpDown[], key: 'upMs' | 'downMs', times: number): void => {
    if (s.length && p.length) metrics.push({ name, unit: 'ms', staticlet: p50(s.map((r) => r[key])), baseline: { name: 'podman kube play', value: p50(p.map((r) => r[key])) }, target: fasterThan(times) });
  };
  // The acceptance: >= 1.35x faster for one pod, >= 1.5x burst up, >= 2x burst down.
  add('host-net pod manifest -> running, 1 pod (p50)', single.s, single.p, 'upMs', 1.35);
  add(`host-net burst up, ${cfg.burstPods} pods, ${cfg.width} in flight`, burst.s, burst.p, 'upMs', 1.5);
  add(`host-net burst down, ${cfg.burstPods} pods, ${cfg.width} in flight`, burst.s, burst.p, 'downMs', 2);
  const slow = [...single.p, ...burst.p].reduce((n, r) => n + (r.slowDowns ?? 0), 0);
  const notes = [version, `podman pods whose stop + rm took > ${SLOW_DOWN_MS} ms (cgroup rmdir deadlock): ${slow}`];
  const lines = [...notes, '', `${'metric'.padEnd(52)}${'staticlet'.padStart(11)}${'podman'.padStart(11)}${'ratio'.padStart(8)}`];
  for (const m of metrics) lines.push(`${m.name.padEnd(52)}${m.staticlet.toFixed(0).padStart(11)}${m.baseline!.value.toFixed(0).padStart(11)}${(m.staticlet / m.baseline!.value).toFixed(2).padStart(8)}`);
  const list = (rs: UpDown[]): string => rs.map((r) => r.upMs.toFixed(0)).join(', ');
  lines.push(`1 pod up, runs in order: staticlet ${list(single.s)}; podman ${list(single.p)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult({ bench: 'podman', notes, metrics });
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:podman failed: ${abort.signal.aborted ? 'interrupted' : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
