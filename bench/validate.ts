/**
 * bench/validate: how fast manifests become desired pods.
 *   1. pods validated per second on one core (schema + semantic rules), and the full load path
 *      (decode + validate + identity) for a realistic control-plane manifest;
 *   2. latency from a file write to the desired-state change, through the real directory watcher.
 * Run: npm run bench:validate [-- --seconds 3 --writes 100]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DesiredState } from '../src/config/desired-state.js';
import { ManifestLoader } from '../src/config/manifest.js';
import { ConfigPipeline } from '../src/config/pipeline.js';
import { silentLogger } from '../src/logging/logger.js';
import { DirectorySource } from '../src/sources/directory.js';
import { decodeDocuments } from '../src/sources/decode.js';
import { validatePod } from '../src/validation/index.js';
import { tempDir } from '../test/helpers/manifests.js';
import { writeResult } from './lib/result.js';
import { percentile } from './stats.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, writes: { type: 'string', default: '100' } } });
const seconds = Number(values.seconds);
const writes = Number(values.writes);

const FIXTURE = fileURLToPath(new URL('../../bench/fixtures/kube-apiserver.yaml', import.meta.url));

function rate(label: string, fn: () => void): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up: the JIT (the validators are generated at build time)
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  const perSec = n / (Number(process.hrtime.bigint() - start) / 1e9);
  console.log(`${label.padEnd(44)} ${perSec.toFixed(0).padStart(8)} pods/s`);
  return perSec;
}

async function throughput(): Promise<{ validate: number; load: number }> {
  const bytes = await readFile(FIXTURE);
  const decoded = decodeDocuments(bytes);
  if (!decoded.ok) throw new Error('fixture does not decode');
  const pod = decoded.documents[0];
  const errs = validatePod(pod);
  if (errs.length) throw new Error(`fixture is invalid: ${JSON.stringify(errs)}`);
  const loader = new ManifestLoader({ nodeName: 'bench-node' });
  const src = { kind: 'file' as const, location: '/etc/kubernetes/manifests/kube-apiserver.yaml' };
  console.log(`fixture: ${FIXTURE.slice(FIXTURE.lastIndexOf('/') + 1)} (${bytes.length} bytes), one core, ${seconds} s per row`);
  const validate = rate('validatePod (schema + semantic rules)', () => validatePod(pod));
  const load = rate('ManifestLoader.load (decode+validate+identity)', () => loader.load(src, bytes));
  return { validate, load };
}

async function writeLatency(): Promise<number> {
  const dir = await tempDir('staticlet-bench-');
  const state = new DesiredState();
  const logger = silentLogger();
  const pipeline = new ConfigPipeline(new ManifestLoader({ nodeName: 'bench-node' }), state, logger);
  const base = await readFile(FIXTURE, 'utf8');
  let waiting: ((t: bigint) => void) | undefined;
  state.subscribe(() => waiting?.(process.hrtime.bigint()));
  await pipeline.add(new DirectorySource({ path: dir.path, logger, maxBytes: 4 << 20, rescanMs: 20_000 }));
  const samples: number[] = [];
  try {
    for (let i = 0; i < writes; i++) {
      // Alternate new files and edits of existing ones: both are what users do.
      const file = join(dir.path, `pod-${i % 10}.yaml`);
      const text = base.replace('name: kube-apiserver', `name: kube-apiserver-${i % 10}`).replace('--v=2', `--v=${i}`);
      const changed = new Promise<bigint>((r) => (waiting = r));
      const t0 = process.hrtime.bigint();
      await writeFile(file, text);
      const t1 = await Promise.race([changed, new Promise<bigint>((_, rej) => setTimeout(() => rej(new Error('no change within 5 s')), 5000))]);
      samples.push(Number(t1 - t0) / 1e6);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await pipeline.stop();
    await dir.cleanup();
  }
  console.log(
    `write → desired-state change (${writes} writes): p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`,
  );
  return percentile(samples, 50);
}

const rates = await throughput();
const latencyMs = await writeLatency();
// No peer runs in-process here: these are staticlet's own figures, tracked from run to run.
writeResult({
  bench: 'validate',
  notes: [`${seconds} s per rate, ${writes} writes`],
  metrics: [
    { name: 'validatePod throughput', unit: 'pods/s', staticlet: rates.validate },
    { name: 'ManifestLoader.load throughput', unit: 'pods/s', staticlet: rates.load },
    { name: 'file write -> desired state (p50)', unit: 'ms', staticlet: latencyMs },
  ],
});
