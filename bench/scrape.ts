/**
 * Scrape cost at 110 pods: how long `metricsText('metrics' | 'probes' | 'resource')` and
 * `summary()` take, and how big the answers are, on an in-process supervisor over a private
 * containerd. 110 busybox pods, 20 of them with an exec readiness probe every 10 s (so
 * /metrics/probes has series). The HTTP layer adds its own cost on top; this is what a scrape
 * costs the supervisor itself.
 *
 * Run: npm run build && node --single-threaded-gc dist/bench/scrape.js
 * Env: SCRAPE_PODS (110), SCRAPE_ROUNDS (50 timed calls of each), STATICLET_BENCH_KEEP=1 keeps
 * containerd's directory for a look afterwards.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MetricsEndpoint } from '../src/metrics/index.js';
import type { Supervisor } from '../src/supervisor/supervisor.js';
import { managedSelector } from '../src/runtime/index.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { BUSYBOX, manifest, startSupervisor } from '../test/helpers/supervisor.js';
import { envInt } from './lib/env.js';
import { writeResult } from './lib/result.js';
import { percentile } from './stats.js';

export interface Timing {
  what: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  bytes: number;
}

/** Times `rounds` sequential calls of each scrape (one untimed warm-up each). */
export async function timeScrapes(sup: Pick<Supervisor, 'metricsText' | 'summary'>, rounds: number): Promise<Timing[]> {
  const out: Timing[] = [];
  const run = async (what: string, fn: () => Promise<number>): Promise<void> => {
    await fn();
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      bytes = await fn();
      ms.push(performance.now() - t0);
    }
    out.push({ what, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms), bytes });
  };
  for (const which of ['metrics', 'probes', 'resource'] as MetricsEndpoint[]) {
    await run(`metricsText('${which}')`, async () => Buffer.byteLength((await sup.metricsText(which)).body));
  }
  await run('summary()', async () => Buffer.byteLength(JSON.stringify(await sup.summary())));
  await run('summary({onlyCpuAndMemory})', async () => Buffer.byteLength(JSON.stringify(await sup.summary({ onlyCpuAndMemory: true }))));
  return out;
}

async function main(): Promise<void> {
  const pods = envInt('SCRAPE_PODS', 110, 1);
  const rounds = envInt('SCRAPE_ROUNDS', 50, 1);
  const log = (m: string): void => void process.stderr.write(`[scrape +${(performance.now() / 1000).toFixed(0)}s] ${m}\n`);
  const env = await startContainerd();
  const h = await startSupervisor(env, {});
  try {
    log(`writing ${pods} pods`);
    for (let i = 0; i < pods; i++) {
      const probe = i < 20 ? '    readinessProbe: {exec: {command: ["true"]}, periodSeconds: 10}\n' : '';
      await h.write(`p${i}.yaml`, manifest(`p${i}`, `  terminationGracePeriodSeconds: 0\n  containers:\n  - name: app\n    image: ${BUSYBOX}\n    command: [sleep, "3600"]\n${probe}`));
    }
    const t0 = performance.now();
    for (;;) {
      const running = h.sup.listPods().filter((p) => p.status?.phase === 'Running').length;
      if (running >= pods) break;
      if (performance.now() - t0 > 600_000) throw new Error(`only ${running}/${pods} pods running after 10 min`);
      await sleep(1_000);
    }
    log(`${pods} pods running after ${((performance.now() - t0) / 1000).toFixed(1)} s; letting probes run 15 s`);
    await sleep(15_000);
    const rows = await timeScrapes(h.sup, rounds);
    // Where summary() goes: the runtime's own answers, timed alone.
    const selector = { labelSelector: managedSelector() };
    const cri: Array<[string, () => Promise<unknown>]> = [
      ['CRI ListContainerStats', () => h.runtime.listContainerStats(selector)],
      ['CRI ListPodSandboxStats', () => h.runtime.listPodSandboxStats(selector)],
      ['CRI ListContainers', () => h.runtime.listContainers(selector)],
      ['CRI ImageFsInfo', () => h.runtime.imageFsInfo()],
    ];
    for (const [what, fn] of cri) {
      const ms: number[] = [];
      let failed = '';
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        await fn().catch((err: unknown) => (failed = (err as Error).message.slice(0, 120)));
        ms.push(performance.now() - t0);
      }
      if (failed) process.stdout.write(`  (${what} failed: ${failed})\n`);
      rows.push({ what, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms), bytes: 0 });
    }
    process.stdout.write(`scrape cost at ${pods} pods (${rounds} calls each, sequential)\n`);
    for (const r of rows) process.stdout.write(`  ${r.what.padEnd(30)} p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  max ${r.maxMs.toFixed(2)} ms  ${r.bytes} bytes\n`);
    writeResult({ bench: 'scrape', notes: [`${pods} pods, ${rounds} calls each`], metrics: rows.map((r) => ({ name: `${r.what} at ${pods} pods (p50)`, unit: 'ms', staticlet: r.p50Ms })) });
    log('removing the pods');
    for (let i = 0; i < pods; i++) await h.remove(`p${i}.yaml`);
    const t1 = performance.now();
    while (h.sup.listPods().length > 0 && performance.now() - t1 < 120_000) await sleep(1_000);
  } finally {
    await h.stop();
    if (!process.env.STATICLET_BENCH_KEEP) await env.down();
  }
}

if (process.argv[1]?.endsWith('scrape.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:scrape failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
