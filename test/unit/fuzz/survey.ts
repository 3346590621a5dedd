/** Dev tool (not a test): samples each generator and groups the violations by kind and first line. */
import fc from 'fast-check';
import * as A from './arbitraries.js';
import { examine, loader, SOURCE, type FuzzInput } from './harness.js';

const n = Number(process.argv[2] ?? 300);
const which = process.argv[3];
const arbs: Record<string, fc.Arbitrary<FuzzInput>> = {
  seeds: A.seedInputArb, bytes: A.byteMutantArb, tree: A.treeMutantArb, near: A.nearValidArb, raw: A.rawSnippetArb, deep: A.deepArb, wide: A.wideArb(Number(process.argv[4] ?? 1500)),
};
for (const s of A.SEEDS) loader.load(SOURCE, Buffer.from(s.text));
const groups = new Map<string, { count: number; example: FuzzInput; detail: string }>();
let ok = 0;
let total = 0;
for (const [name, arb] of Object.entries(arbs)) {
  if (which && which !== name) continue;
  for (const inp of fc.sample(arb, { numRuns: n, seed: Number(process.env.SEED ?? 1) })) {
    const t0 = performance.now();
    if (process.env.TRACE) process.stderr.write(`START ${name} ${inp.how.slice(0, 200)} ${inp.bytes.byteLength}\n`);
    const { violations, outcome } = examine(inp, { determinism: true });
    const ms = performance.now() - t0;
    if (ms > 2000) console.log(`SLOW ${name} ${ms.toFixed(0)} ms ${inp.bytes.byteLength} bytes ${inp.how.slice(0, 300)}`);
    total++;
    if (outcome.result?.ok) ok++;
    for (const v of violations) {
      if (process.env.DUMP && v.detail.includes(process.env.DUMP)) console.log('DUMP', JSON.stringify(Buffer.from(inp.bytes).toString('utf8')));
      const key = `${name} ${v.kind}: ${v.detail.split('\n')[0]!.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 160)}`;
      const g = groups.get(key);
      if (g) g.count++;
      else groups.set(key, { count: 1, example: inp, detail: v.detail });
    }
  }
}
console.log(`${total} inputs, ${ok} accepted`);
for (const [k, g] of [...groups].sort((a, b) => b[1].count - a[1].count)) {
  const smallest = g.example;
  console.log(`\n== ${g.count}× ${k}\n   ${g.detail.split('\n').slice(0, 6).join('\n   ').slice(0, 1200)}\n   input (${smallest.how.slice(0, 200)}): ${JSON.stringify(Buffer.from(smallest.bytes).toString('latin1').slice(0, 600))}`);
}
