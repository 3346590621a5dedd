/**
 * `staticlet validate` of one kubeadm kube-apiserver manifest from a cold start (a new process
 * each time, as CI runs it) against `node -e 0`, the runtime alone: wall time and peak RSS,
 * alternating the two so machine drift hits both. Run: npm run build && node dist/bench/cold-start.js.
 * Env knob: COLD_START_RUNS (10).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { envInt } from './lib/env.js';
import { valueAtMost, writeResult } from './lib/result.js';
import { findBin } from './lib/staticlet-child.js';
import { percentile } from './stats.js';

const runs = envInt('COLD_START_RUNS', 10, 1);
const FIXTURE = fileURLToPath(new URL('../../bench/fixtures/kube-apiserver.yaml', import.meta.url));

/** GNU time's %e is only 10 ms coarse, so the wall clock is ours; %M (max RSS, KiB) is its. */
function timed(args: string[]): Promise<{ wallMs: number; rssMb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    execFile('/usr/bin/time', ['-f', '%M', process.execPath, ...args], (err, _stdout, stderr) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (err) return reject(new Error(`${args.join(' ')}: ${err.message}\n${stderr}`));
      const kb = Number(stderr.trim().split('\n').at(-1));
      resolve({ wallMs, rssMb: (kb * 1024) / 1e6 });
    });
  });
}

const cli: Array<{ wallMs: number; rssMb: number }> = [];
const bare: Array<{ wallMs: number; rssMb: number }> = [];
for (let i = 0; i < runs; i++) {
  cli.push(await timed([findBin(), 'validate', FIXTURE]));
  bare.push(await timed(['-e', '0']));
}
const p50 = (xs: number[]): number => percentile(xs, 50);
const metrics = [
  { name: 'validate cold start, 1 manifest (p50 wall)', unit: 'ms', staticlet: p50(cli.map((r) => r.wallMs)), baseline: { name: 'node -e 0', value: p50(bare.map((r) => r.wallMs)) }, target: valueAtMost(250, 'ms') },
  { name: 'validate cold start, 1 manifest (p50 max RSS)', unit: 'MB', staticlet: p50(cli.map((r) => r.rssMb)), baseline: { name: 'node -e 0', value: p50(bare.map((r) => r.rssMb)) }, target: valueAtMost(65, 'MB') },
];
for (const m of metrics) process.stdout.write(`${m.name.padEnd(48)} staticlet ${m.staticlet.toFixed(1)} ${m.unit}, node -e 0 ${m.baseline.value.toFixed(1)} ${m.unit}\n`);
writeResult({ bench: 'cold-start', notes: [`${runs} runs each, alternating`], metrics });
