// A real Prometheus (Debian's prometheus package) scrapes staticlet's /metrics, /metrics/probes
// and /metrics/resource over TLS with a client certificate, as a monitoring stack scrapes a
// kubelet; the test reads the results back through Prometheus' own HTTP API, and promtool
// checks what staticlet serves.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { curl, freePort, makeCa, type TestCa } from '../../helpers/node-api.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, manifest, NODE, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

function getJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(new Error(`${url}: ${(err as Error).message}: ${body.slice(0, 200)}`));
        }
      });
    })
      .on('error', reject)
      .end();
  });
}

function promtoolCheck(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL!, ['check', 'metrics'], (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
    child.stdin!.end(text);
  });
}

function probedPod(name: string): string {
  return manifest(
    name,
    [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '    - name: app',
      `      image: ${BUSYBOX}`,
      `      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`,
      '      readinessProbe: { exec: { command: ["true"] }, periodSeconds: 1 }',
      '',
    ].join('\n'),
  );
}

describe('a real Prometheus scrapes the node API over TLS with a client certificate', { skip: PROMETHEUS && PROMTOOL ? false : 'prometheus/promtool not installed (apt-get install prometheus)', timeout: 180_000 }, () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let dir: string;
  let ca: TestCa;
  let client: { crt: string; key: string };
  let prom: ChildProcess | undefined;
  let promUrl: string;
  let base: string;
  let promLog = '';

  const query = async (q: string): Promise<Sample[]> => {
    const r = await getJson<{ status: string; data: { result: Sample[] } }>(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    assert.equal(r.status, 'success');
    return r.data.result;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-prom-'));
    ca = await makeCa(dir, 'monitoring');
    client = await ca.client('prometheus', ['monitoring']);
    env = await startContainerd();
    h = await startSupervisor(env, {
      nodeApi: true,
      settings: {
        address: '127.0.0.1',
        port: 0,
        healthzPort: 0,
        authentication: { clientCAFile: ca.crt, webhook: { enabled: false, cacheTTLMs: 120_000 }, anonymous: false },
        authorization: { mode: 'AlwaysAllow', webhook: { cacheAuthorizedTTLMs: 300_000, cacheUnauthorizedTTLMs: 30_000 } },
      },
    });
    const port = h.sup.nodeApiAddresses.secure!.port;
    base = `https://127.0.0.1:${port}`;
    for (const n of ['p1', 'p2']) await h.write(`${n}.yaml`, probedPod(n));
    await eventually(() => ['p1', 'p2'].every((n) => h.pod(n)?.status?.phase === 'Running'), { timeoutMs: 60_000, intervalMs: 100, what: 'pods running' });

    // The serving certificate is staticlet's self-signed one: Prometheus pins it as its CA and
    // checks the node name in it, as a scrape config for a kubelet with its own certificate does.
    const job = (name: string, path: string) => ({
      job_name: name,
      scheme: 'https',
      metrics_path: path,
      scrape_interval: '1s',
      scrape_timeout: '1s',
      tls_config: { ca_file: join(h.settings.certDir, 'kubelet.crt'), server_name: NODE, cert_file: client.crt, key_file: client.key },
      static_configs: [{ targets: [`127.0.0.1:${port}`] }],
    });
    const config = { global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [job('staticlet', '/metrics'), job('staticlet-probes', '/metrics/probes'), job('staticlet-resource', '/metrics/resource')] };
    await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    prom = spawn(PROMETHEUS!, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    prom.stderr!.on('data', (c: Buffer) => (promLog = (promLog + c.toString()).slice(-8000)));
    // Prometheus takes a moment to open its port: refused connections count as not yet.
    await eventually(async () => (await query('up').catch(() => [])).length === 3, { timeoutMs: 30_000, intervalMs: 250, what: `prometheus scraping (${promLog.slice(-500)})` }).catch((err: Error) => {
      throw new Error(`${err.message}\n${promLog}`);
    });
  });
  after(async () => {
    prom?.kill('SIGTERM');
    await h?.stop();
    await env?.down();
    await rm(dir, { recursive: true, force: true });
  });

  test('all three endpoints are up for Prometheus (TLS, client certificate, pinned serving certificate)', async () => {
    const up = await eventually(async () => {
      const r = await query('up');
      return r.length === 3 && r.every((s) => s.value[1] === '1') ? r : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'up == 1 for every job' });
    assert.deepEqual(up.map((s) => s.metric['job']).sort(), ['staticlet', 'staticlet-probes', 'staticlet-resource']);
  });

  test('kubelet_running_pods equals the running pod count; it follows a pod removed', async () => {
    await eventually(async () => (await query('kubelet_running_pods'))[0]?.value[1] === '2', { timeoutMs: 15_000, intervalMs: 250, what: 'kubelet_running_pods 2' });
    await h.remove('p2.yaml');
    await eventually(() => !h.pod('p2'), { timeoutMs: 20_000, what: 'p2 gone' });
    await eventually(async () => (await query('kubelet_running_pods'))[0]?.value[1] === '1', { timeoutMs: 15_000, intervalMs: 250, what: 'kubelet_running_pods 1' });
  });

  test('prober_probe_total increases between scrapes; resource metrics carry the pod', async () => {
    const total = async () => Number((await query('sum(prober_probe_total{probe_type="Readiness",result="successful",pod="p1-' + NODE + '"})'))[0]?.value[1] ?? 'NaN');
    const first = await eventually(async () => {
      const v = await total();
      return Number.isFinite(v) && v > 0 ? v : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'prober_probe_total' });
    await eventually(async () => (await total()) >= first + 2, { timeoutMs: 15_000, intervalMs: 250, what: 'prober_probe_total increasing' });
    const mem = await eventually(async () => {
      const r = await query(`container_memory_working_set_bytes{pod="p1-${NODE}"}`);
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'container_memory_working_set_bytes for p1' });
    assert.ok(Number(mem[0]!.value[1]) > 0);
  });

  test('promtool check metrics: no problem in what staticlet serves', async () => {
    for (const path of ['/metrics', '/metrics/probes', '/metrics/resource']) {
      const r = await curl(`${base}${path}`, ['--cert', client.crt, '--key', client.key]);
      assert.equal(r.status, 200);
      const check = await promtoolCheck(r.body);
      assert.equal(check.code, 0, `${path}: ${check.out}`);
      assert.equal(check.out.trim(), '', `${path}: ${check.out}`);
    }
  });
});
