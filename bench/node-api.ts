/**
 * What the node API costs a node that is scraped: `staticlet run` as a child process with 110
 * busybox pods (20 with an exec readiness probe every 10 s), its HTTPS API with a client CA.
 *
 * 1. Latency and size over HTTPS with a client certificate, keep-alive (as Prometheus and
 *    metrics-server connect): /metrics, /metrics/probes, /metrics/resource, /stats/summary and
 *    /stats/summary?only_cpu_and_memory=true, SCRAPE_CALLS sequential calls each (p50/p99/max, bytes).
 * 2. Supervisor CPU with a Prometheus-style scrape of the three metrics endpoints every 15 s
 *    against no scraping, in interleaved windows (on/off, then off/on, ...) of the same process,
 *    so the difference is the scrape and nothing else. Targets: ≤ +0.3 % of a core; summary p99
 *    < 100 ms.
 *
 * Run: npm run bench:node-api. Env: NODEAPI_PODS (110), NODEAPI_PROBED (20), SCRAPE_CALLS (50),
 * NODEAPI_ROUNDS (2), NODEAPI_WINDOW_S (60), NODEAPI_INTERVAL_S (15).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient, managedSelector } from '../src/runtime/index.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { freePort, makeCa } from '../test/helpers/node-api.js';
import { envInt } from './lib/env.js';
import { differenceAtMost, valueAtMost, writeResult } from './lib/result.js';
import { StaticletChild } from './lib/staticlet-child.js';
import { cpuTicks, CLK_TCK } from './lifecycle/proc.js';
import { percentile } from './stats.js';

const NODE = 'bench-node';
const cfg = {
  pods: envInt('NODEAPI_PODS', 110, 1),
  probed: envInt('NODEAPI_PROBED', 20, 0),
  calls: envInt('SCRAPE_CALLS', 50, 1),
  rounds: envInt('NODEAPI_ROUNDS', 2, 1),
  windowS: envInt('NODEAPI_WINDOW_S', 60, 5),
  intervalS: envInt('NODEAPI_INTERVAL_S', 15, 1),
};
const progress = (m: string): void => void process.stderr.write(`[node-api +${(performance.now() / 1000).toFixed(0)}s] ${m}\n`);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function podYaml(name: string, image: string, probed: boolean): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    `metadata: {name: ${name}, namespace: default}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    `    - name: app`,
    `      image: ${image}`,
    `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600; done"]`,
    '      resources: {requests: {cpu: 1m, memory: 4Mi}}',
    ...(probed ? ['      readinessProbe: {exec: {command: ["true"]}, periodSeconds: 10}'] : []),
    '',
  ].join('\n');
}

interface Client {
  get(path: string): Promise<{ status: number; bytes: number }>;
}

function client(port: number, cert: string, key: string, ca: string): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, cert, key, ca, servername: NODE });
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, agent, method: 'GET' }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        })
          .on('error', reject)
          .end();
      }),
  };
}

async function waitRunning(cri: CriClient, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = (await cri.listContainers({ labelSelector: managedSelector({}) })).filter((c) => c.state === 'running').length;
    if (running >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${running} of ${n} containers running`);
    await sleep(500);
  }
}

async function main(): Promise<void> {
  progress(`${cfg.pods} pods (${cfg.probed} probed), ${cfg.calls} calls per path, ${cfg.rounds} rounds of ${cfg.windowS} s windows scraped every ${cfg.intervalS} s or not`);
  const env = await startContainerd();
  const dir = await mkdtemp(join(tmpdir(), 'stl-bench-nodeapi-'));
  const manifests = join(dir, 'manifests');
  await mkdir(manifests, { recursive: true });
  const cri = new CriClient({ endpoint: env.endpoint });
  let child: StaticletChild | undefined;
  try {
    const ca = await makeCa(dir, 'scraper');
    const cred = await ca.client('prometheus', ['monitoring']);
    for (let i = 0; i < cfg.pods; i++) await writeFile(join(manifests, `na-${String(i).padStart(3, '0')}.yaml`), podYaml(`na-${String(i).padStart(3, '0')}`, env.busyboxImage, i < cfg.probed));
    const port = await freePort();
    child = new StaticletChild([
      'run', '--port', String(port), '--healthz-port', '0', '--address', '127.0.0.1', '--client-ca-file', ca.crt,
      '--pod-manifest-path', manifests, '--container-runtime-endpoint', env.endpoint, '--root-dir', join(dir, 'root'),
      '--pod-logs-dir', join(dir, 'logs'), '--container-log-links-dir', '', '--hostname-override', NODE, '--node-ip', '127.0.0.1',
      '--logging-format', 'json', '--v', '0',
    ]);
    await child.waitReady(120_000);
    await waitRunning(cri, cfg.pods, 600_000);
    progress(`${cfg.pods} pods running; settling 20 s`);
    await sleep(20_000);
    const c = client(port, await readFile(cred.crt, 'utf8'), await readFile(cred.key, 'utf8'), await readFile(join(dir, 'root', 'pki', 'kubelet.crt'), 'utf8'));

    const paths = ['/metrics', '/metrics/probes', '/metrics/resource', '/stats/summary', '/stats/summary?only_cpu_and_memory=true'];
    const timings: Array<{ path: string; p50: number; p99: number; max: number; bytes: number }> = [];
    // The runtime's own share of a summary: the CRI calls it needs, made by a bare client right
    // after each HTTPS summary (interleaved), so the ratio compares like with like.
    const bare: number[] = [];
    const bareStats: number[] = [];
    const bareSummary = async (): Promise<void> => {
      const t0 = performance.now();
      await Promise.all([cri.listPodSandboxes({}), cri.listContainers({}), cri.listContainerStats({}), cri.imageFsInfo()]);
      bare.push(performance.now() - t0);
      const t1 = performance.now();
      await cri.listContainerStats({});
      bareStats.push(performance.now() - t1);
    };
    for (const path of paths) {
      await c.get(path);
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < cfg.calls; i++) {
        const t0 = performance.now();
        const r = await c.get(path);
        ms.push(performance.now() - t0);
        if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
        bytes = r.bytes;
        // Summaries closer than 1 s reuse the last CPU sample; space them as a scraper would.
        if (path === '/stats/summary') await bareSummary();
        if (path.startsWith('/stats')) await sleep(1_000);
      }
      timings.push({ path, p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), bytes });
      progress(`${path}: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, ${bytes} bytes`);
    }
    timings.push({ path: 'bare CRI: the summary\'s 4 calls', p50: percentile(bare, 50), p99: percentile(bare, 99), max: Math.max(...bare), bytes: 0 });
    timings.push({ path: 'bare CRI: ListContainerStats', p50: percentile(bareStats, 50), p99: percentile(bareStats, 99), max: Math.max(...bareStats), bytes: 0 });

    const windows: Array<{ round: number; scraped: boolean; cpuPct: number; scrapes: number }> = [];
    for (let round = 1; round <= cfg.rounds; round++) {
      for (const scraped of round % 2 === 1 ? [true, false] : [false, true]) {
        let scrapes = 0;
        let stop = false;
        const scraper = (async () => {
          while (scraped && !stop) {
            for (const p of paths.slice(0, 3)) await c.get(p);
            scrapes++;
            await sleep(cfg.intervalS * 1000);
          }
        })();
        const t0 = performance.now();
        const c0 = cpuTicks(child.pid);
        await sleep(cfg.windowS * 1000);
        const cpuPct = ((cpuTicks(child.pid) - c0) / CLK_TCK / ((performance.now() - t0) / 1000)) * 100;
        stop = true;
        await scraper;
        windows.push({ round, scraped, cpuPct, scrapes });
        progress(`round ${round}, ${scraped ? `scraped ${scrapes}×` : 'not scraped'}: CPU ${cpuPct.toFixed(3)} % of a core`);
      }
    }
    const on = mean(windows.filter((w) => w.scraped).map((w) => w.cpuPct));
    const off = mean(windows.filter((w) => !w.scraped).map((w) => w.cpuPct));
    const summaryP99 = timings.find((t) => t.path === '/stats/summary')!.p99;
    const lines = [
      '',
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}`,
      `${cfg.pods} pods (${cfg.probed} with an exec readiness probe every 10 s); HTTPS, client certificate, keep-alive; ${cfg.calls} calls per path`,
      'path                                        p50 ms   p99 ms   max ms     bytes',
      ...timings.map((t) => `${t.path.padEnd(42)}${t.p50.toFixed(1).padStart(8)}${t.p99.toFixed(1).padStart(9)}${t.max.toFixed(1).padStart(9)}${String(t.bytes).padStart(10)}`),
      `/stats/summary p99 ${summaryP99.toFixed(1)} ms  target < 100  ${summaryP99 < 100 ? 'OK' : 'OVER'}; ratio to the bare CRI calls: p50 ${(timings.find((t) => t.path === '/stats/summary')!.p50 / percentile(bare, 50)).toFixed(2)}, p99 ${(summaryP99 / percentile(bare, 99)).toFixed(2)}`,
      `CPU scraped every ${cfg.intervalS} s − not scraped: ${on - off >= 0 ? '+' : ''}${(on - off).toFixed(3)} % of a core (scraped ${on.toFixed(3)}, not ${off.toFixed(3)}; ratio ${(on / off).toFixed(2)})  target ≤ +0.3  ${on - off <= 0.3 ? 'OK' : 'OVER'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const summary = timings.find((t) => t.path === '/stats/summary')!;
    writeResult({
      bench: 'node-api',
      notes: [`${cfg.pods} pods, ${cfg.calls} calls per path, ${cfg.rounds} rounds of ${cfg.windowS} s windows`],
      metrics: [
        { name: `/stats/summary over HTTPS, ${cfg.pods} pods (p99)`, unit: 'ms', staticlet: summaryP99, baseline: { name: "bare CRI, the summary's calls", value: percentile(bare, 99) }, target: valueAtMost(100, 'ms') },
        { name: `/stats/summary over HTTPS, ${cfg.pods} pods (p50)`, unit: 'ms', staticlet: summary.p50, baseline: { name: "bare CRI, the summary's calls", value: percentile(bare, 50) } },
        { name: `CPU scraped every ${cfg.intervalS} s, ${cfg.pods} pods`, unit: '% core', staticlet: on, baseline: { name: 'not scraped', value: off }, target: differenceAtMost(0.3, '%') },
      ],
    });
  } finally {
    await child?.stop();
    await env.removeAllPods().catch(() => undefined);
    await env.down().catch((err: Error) => progress(`containerd teardown: ${err.message}`));
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
