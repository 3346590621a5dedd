/**
 * Per-call latency of the CRI adapter (CriClient) versus a bare @grpc/grpc-js client issuing the
 * same requests against the same private containerd, interleaved so both see the same machine
 * state. Run: npm run bench:runtime  (BENCH_ITERATIONS=N to change the sample size).
 */
import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { containerLabels, CriClient, sandboxLabels, type ContainerConfig, type PodSandboxConfig } from '../src/runtime/index.js';
import * as convert from '../src/runtime/grpc/convert.js';
import { findProtoFile } from '../src/runtime/grpc/proto.js';
import type { ProtoGrpcType } from '../src/runtime/generated/cri-v1.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { writeResult } from './lib/result.js';

const OPS = ['RunPodSandbox', 'CreateContainer', 'StartContainer', 'ExecSync', 'ListContainers'] as const;
type Op = (typeof OPS)[number];
type Samples = Record<Op, number[]>;

const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);

function emptySamples(): Samples {
  return { RunPodSandbox: [], CreateContainer: [], StartContainer: [], ExecSync: [], ListContainers: [] };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

async function timed<T>(into: number[], fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  into.push(performance.now() - t0);
  return r;
}

function configs(dir: string, image: string, n: number): { sb: PodSandboxConfig; ct: ContainerConfig } {
  const pod = { name: `bench-${n}`, namespace: 'bench', uid: randomUUID() };
  const sb: PodSandboxConfig = {
    metadata: { ...pod, attempt: 0 },
    logDirectory: `${dir}/logs/${pod.uid}`,
    labels: sandboxLabels(pod),
    linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const ct: ContainerConfig = { metadata: { name: 'main' }, image, command: ['sleep', '3600'], labels: containerLabels(pod, 'main'), logPath: 'main.log' };
  return { sb, ct };
}

async function main(): Promise<void> {
  const env = await startContainerd();
  const adapter = new CriClient({ endpoint: env.endpoint });
  const cri = loadPackageDefinition(
    loadSync(findProtoFile(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
  ) as unknown as ProtoGrpcType;
  const bare = new cri.runtime.v1.RuntimeService(`unix://${env.socket}`, credentials.createInsecure());
  const deadline = (): { deadline: number } => ({ deadline: Date.now() + 120_000 });
  const cb = <R>(resolve: (r: R) => void, reject: (e: ServiceError) => void) => (err: ServiceError | null, res?: R) =>
    err ? reject(err) : resolve(res as R);

  const a = emptySamples();
  const b = emptySamples();
  const cleanup: string[] = [];
  try {
    // Warm-up: first sandbox/exec pay one-off costs (snapshot unpack, shim binary load).
    for (let i = 0; i < 2; i++) {
      const { sb, ct } = configs(env.dir, env.busyboxImage, -1 - i);
      const id = await adapter.runPodSandbox(sb);
      cleanup.push(id);
      const cid = await adapter.createContainer(id, ct, sb);
      await adapter.startContainer(cid);
      await adapter.execSync(cid, ['true'], 10);
    }

    for (let i = 0; i < iterations; i++) {
      const viaAdapter = async (): Promise<void> => {
        const { sb, ct } = configs(env.dir, env.busyboxImage, i);
        const id = await timed(a.RunPodSandbox, () => adapter.runPodSandbox(sb));
        cleanup.push(id);
        const cid = await timed(a.CreateContainer, () => adapter.createContainer(id, ct, sb));
        await timed(a.StartContainer, () => adapter.startContainer(cid));
        await timed(a.ExecSync, () => adapter.execSync(cid, ['true'], 10));
        await timed(a.ListContainers, () => adapter.listContainers({ labelSelector: { 'io.kubernetes.pod.namespace': 'bench' } }));
      };
      const viaBare = async (): Promise<void> => {
        const { sb, ct } = configs(env.dir, env.busyboxImage, 10_000 + i);
        const wsb = convert.podSandboxConfig(sb);
        const id = await timed(b.RunPodSandbox, () =>
          new Promise<string>((res, rej) => bare.RunPodSandbox({ config: wsb }, new Metadata(), deadline(), cb((r: { pod_sandbox_id: string }) => res(r.pod_sandbox_id), rej))),
        );
        cleanup.push(id);
        const wct = convert.containerConfig(ct);
        const cid = await timed(b.CreateContainer, () =>
          new Promise<string>((res, rej) =>
            bare.CreateContainer({ pod_sandbox_id: id, config: wct, sandbox_config: wsb }, new Metadata(), deadline(), cb((r: { container_id: string }) => res(r.container_id), rej)),
          ),
        );
        await timed(b.StartContainer, () => new Promise((res, rej) => bare.StartContainer({ container_id: cid }, new Metadata(), deadline(), cb(res, rej))));
        await timed(b.ExecSync, () => new Promise((res, rej) => bare.ExecSync({ container_id: cid, cmd: ['true'], timeout: 10 }, new Metadata(), deadline(), cb(res, rej))));
        await timed(b.ListContainers, () =>
          new Promise((res, rej) =>
            bare.ListContainers({ filter: { label_selector: { 'io.kubernetes.pod.namespace': 'bench' } } }, new Metadata(), deadline(), cb(res, rej)),
          ),
        );
      };
      // Alternate who goes first so neither side always meets a busier runtime.
      if (i % 2 === 0) {
        await viaAdapter();
        await viaBare();
      } else {
        await viaBare();
        await viaAdapter();
      }
    }
  } finally {
    for (const id of cleanup) {
      await adapter.stopPodSandbox(id).catch(() => undefined);
      await adapter.removePodSandbox(id).catch(() => undefined);
    }
    adapter.close();
    bare.close();
    await env.down();
  }

  const f = (x: number): string => x.toFixed(2).padStart(8);
  const lines = [
    `CRI call latency in ms, ${iterations} samples each (containerd via unix socket)`,
    '',
    `${'call'.padEnd(16)}${'adapter p50'.padStart(12)}${'p95'.padStart(9)}${'bare p50'.padStart(10)}${'p95'.padStart(9)}${'Δp50'.padStart(9)}`,
  ];
  for (const op of OPS) {
    const ap50 = pct(a[op], 50);
    const bp50 = pct(b[op], 50);
    lines.push(`${op.padEnd(16)}${f(ap50).padStart(12)}${f(pct(a[op], 95)).padStart(9)}${f(bp50).padStart(10)}${f(pct(b[op], 95)).padStart(9)}${f(ap50 - bp50).padStart(9)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  // No target in the issue for single calls: the rows show the adapter's overhead per call.
  writeResult({
    bench: 'runtime',
    notes: [`${iterations} samples per call`],
    metrics: OPS.map((op) => ({ name: `CRI ${op} (p50)`, unit: 'ms', staticlet: pct(a[op], 50), baseline: { name: 'bare gRPC client', value: pct(b[op], 50) } })),
  });
}

await main();
