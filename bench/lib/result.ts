/**
 * The machine-readable side of a benchmark: each bench prints its own text as before and, when
 * BENCH_JSON names a file, also writes its key figures there, so `npm run bench` (bench/suite.ts)
 * can run the benches as child processes (their own /proc figures stay clean) and still build one
 * table.
 */
import { writeFileSync } from 'node:fs';

/**
 * What the verdict compares: staticlet/baseline (`ratio`), the staticlet figure itself (`value`),
 * or staticlet − baseline (`difference`: the cost of a feature, on against off).
 */
export interface Target {
  on: 'ratio' | 'value' | 'difference';
  /** Pass when the compared figure is <= max. */
  max: number;
  /** How the target reads in the table, e.g. "<= 1.25x" or ">= 1.35x faster". */
  label: string;
}

export interface Metric {
  name: string;
  unit: string;
  staticlet: number;
  /** The peer the figure is compared with: bare CRI client, bare prober, `node -e 0`, podman. */
  baseline?: { name: string; value: number };
  target?: Target;
}

export interface BenchResult {
  bench: string;
  /** Free-form run facts (machine, knobs) worth keeping next to the figures. */
  notes: string[];
  metrics: Metric[];
}

/** Writes the result where BENCH_JSON points; a no-op when run by hand without it. */
export function writeResult(result: BenchResult): void {
  const file = process.env.BENCH_JSON;
  if (file) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** A "peer is this much slower" target as a ratio bound: >= 1.35x faster means ratio <= 1/1.35. */
export function fasterThan(times: number): Target {
  return { on: 'ratio', max: 1 / times, label: `>= ${times}x faster` };
}

export const ratioAtMost = (max: number): Target => ({ on: 'ratio', max, label: `ratio <= ${max}` });
export const differenceAtMost = (max: number, unit: string): Target => ({ on: 'difference', max, label: `+<= ${max} ${unit}` });
export const valueAtMost = (max: number, unit: string): Target => ({ on: 'value', max, label: `<= ${max} ${unit}` });
