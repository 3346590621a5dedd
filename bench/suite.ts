/**
 * `npm run bench`: every benchmark in one run, one table of ratios.
 * Each bench runs as its own child process (the supervisor and bench figures in /proc must not
 * include another bench's leftovers, and the CPU benches need their own node flags), writes its
 * key figures to the file BENCH_JSON names (bench/lib/result.ts), and its text report goes to
 * bench/results/<stamp>/<bench>.txt. The table goes to stdout, everything to
 * bench/results/<stamp>.json.
 * Env knobs: BENCH_ONLY=lifecycle,podman (a subset, by name), plus every bench's own knobs; the
 * suite's defaults below are meant to keep the whole run under 15 minutes; a knob set by hand wins.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchResult, Metric } from './lib/result.js';

interface Bench {
  name: string;
  /** Under dist/bench/. */
  script: string;
  nodeArgs?: string[];
  /** Fewer rounds than the bench's own defaults, so the suite fits its time budget. */
  env?: Record<string, string>;
}

/**
 * Order: the quick in-process ones first, so a broken setup shows before the long runs.
 * The env defaults shorten windows and rounds (each bench's own defaults are ~30 minutes in
 * all; one run with the previous, longer defaults took 21 minutes, most of it seven separate
 * 110-pod starts): the ratios come from A/B pairs interleaved in one process either way, the
 * individual npm scripts stay the precise measurement of one thing.
 */
const BENCHES: Bench[] = [
  { name: 'cold-start', script: 'cold-start.js' },
  { name: 'validate', script: 'validate.js' },
  { name: 'runtime', script: 'runtime.js', env: { BENCH_ITERATIONS: '20' } },
  { name: 'lifecycle', script: 'lifecycle.js', env: { LIFECYCLE_BURST_REPS: '1' } },
  { name: 'podman', script: 'peers/podman.js' },
  // Same flag as their npm scripts: it keeps GC threads out of the CPU figures. Phase B (the
  // supervisor in-process, for lateness and profiles) has no row in the table.
  { name: 'probes', script: 'probes.js', nodeArgs: ['--single-threaded-gc'], env: { PROBES_PHASES: 'AC', PROBES_SECONDS: '30' } },
  { name: 'controlplane', script: 'controlplane.js', env: { CP_ROUNDS: '1', CP_SECONDS: '30', CP_SETTLE_SECONDS: '10' } },
  { name: 'mirror', script: 'mirror.js', env: { MB_SECONDS: '20', MB_SETTLE_SECONDS: '10' } },
  { name: 'scrape', script: 'scrape.js', nodeArgs: ['--single-threaded-gc'], env: { SCRAPE_ROUNDS: '20' } },
  { name: 'node-api', script: 'node-api.js', env: { NODEAPI_ROUNDS: '1', NODEAPI_WINDOW_S: '30', SCRAPE_CALLS: '10' } },
];

interface Outcome {
  bench: string;
  seconds: number;
  exitCode: number | null;
  result?: BenchResult;
  /** Why there are no figures: failed, or the bench does not write BENCH_JSON yet. */
  missing?: string;
}

interface Row extends Metric {
  bench: string;
  ratio?: number;
  verdict: 'ok' | 'MISSED' | '-';
}

const here = dirname(fileURLToPath(import.meta.url));
/** bench/results in the source tree, not dist/: results are kept next to the benches. */
const resultsDir = join(here, '../../bench/results');

function runBench(b: Bench, jsonFile: string, textFile: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(b.nodeArgs ?? []), join(here, b.script)], {
      // The suite's defaults first: a knob the user exported wins.
      env: { ...b.env, ...process.env, BENCH_JSON: jsonFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) => void writeFile(textFile, Buffer.concat(chunks)).then(() => resolve(code), reject));
  });
}

function toRows(outcomes: Outcome[]): Row[] {
  const rows: Row[] = [];
  for (const o of outcomes) {
    for (const m of o.result?.metrics ?? []) {
      const ratio = m.baseline && m.baseline.value > 0 ? m.staticlet / m.baseline.value : undefined;
      const on = m.target?.on;
      const compared = on === 'ratio' ? ratio : on === 'difference' ? (m.baseline ? m.staticlet - m.baseline.value : undefined) : on === 'value' ? m.staticlet : undefined;
      const verdict = compared === undefined || !m.target ? '-' : compared <= m.target.max ? 'ok' : 'MISSED';
      rows.push({ ...m, bench: o.bench, ...(ratio !== undefined ? { ratio } : {}), verdict });
    }
  }
  return rows;
}

const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(x >= 10 ? 1 : 2));

function table(rows: Row[], outcomes: Outcome[]): string {
  const head = ['metric', 'unit', 'staticlet', 'baseline', 'peer', 'ratio', 'target', 'verdict'];
  const body = rows.map((r) => [r.name, r.unit, num(r.staticlet), num(r.baseline?.value), r.baseline?.name ?? '-', r.ratio === undefined ? '-' : r.ratio.toFixed(2), r.target?.label ?? '-', r.verdict]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  // Text columns left-aligned, figures right-aligned.
  const line = (cells: string[]): string => cells.map((c, i) => ([0, 1, 4, 6].includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  out.push('', 'ratio = staticlet / baseline: below 1 is staticlet ahead; ">= Nx faster" means ratio <= 1/N.');
  for (const o of outcomes) if (o.missing) out.push(`${o.bench}: ${o.missing}`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown bench ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
  const chosen = only.length ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = join(resultsDir, stamp);
  await mkdir(runDir, { recursive: true });
  const cpu = cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, node ${process.version}, load average (1 min) before ${loadavg()[0]!.toFixed(2)}`;
  const outcomes: Outcome[] = [];
  for (const b of chosen) {
    const jsonFile = join(runDir, `${b.name}.json`);
    process.stderr.write(`[suite] ${b.name}: running (text report -> ${join(runDir, `${b.name}.txt`)})\n`);
    const t0 = performance.now();
    const exitCode = await runBench(b, jsonFile, join(runDir, `${b.name}.txt`));
    const o: Outcome = { bench: b.name, seconds: (performance.now() - t0) / 1000, exitCode };
    if (existsSync(jsonFile)) o.result = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResult;
    // One failed bench must not cost the rest of a 15-minute run: note it and go on.
    if (exitCode !== 0) o.missing = `failed with exit code ${exitCode} (see the text report and stderr above)`;
    else if (!o.result) o.missing = 'no figures: this bench does not write BENCH_JSON yet (text report only)';
    else if (o.result.metrics.length === 0) o.missing = `no figures: ${o.result.notes.join('; ')}`;
    process.stderr.write(`[suite] ${b.name}: done in ${o.seconds.toFixed(0)} s, exit ${exitCode}\n`);
    outcomes.push(o);
  }
  const rows = toRows(outcomes);
  const text = table(rows, outcomes);
  const file = join(resultsDir, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify({ stamp, machine, benches: outcomes, rows }, null, 2)}\n`);
  process.stdout.write(`machine: ${machine}\n\n${text}\n\nresults: ${file}\n`);
  if (outcomes.some((o) => o.exitCode !== 0)) process.exitCode = 1;
}

await main();
