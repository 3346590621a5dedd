// Child process of standalone.test.ts: records every module URL the process resolves, runs a
// supervisor (with a stand-in runtime, so it gets past connecting) until its control plane
// exists, stops it, and prints the URLs as JSON on stdout.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const urls: string[] = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (u: string) => urls.push(u));
port1.unref();
register(new URL('./record-loads-hook.js', import.meta.url), { data: { port: port2 }, transferList: [port2] });

const { join } = await import('node:path');
const { mkdtemp, rm } = await import('node:fs/promises');
const { tmpdir } = await import('node:os');
const { resolveSettings } = await import('../../../src/config/settings.js');
const { createLogger } = await import('../../../src/logging/logger.js');
const { Supervisor } = await import('../../../src/supervisor/supervisor.js');
type RuntimeClient = import('../../../src/runtime/index.js').RuntimeClient;

const dir = await mkdtemp(join(tmpdir(), 'staticlet-standalone-'));
const kubeconfig = process.argv[2];
const settings = resolveSettings({
  rootDir: join(dir, 'root'),
  podLogsDir: join(dir, 'logs'),
  containerLogLinksDir: '',
  hostnameOverride: 'node-1',
  nodeIp: '127.0.0.1',
  ...(kubeconfig ? { kubeconfig } : {}),
});
// Every runtime call answers "nothing there"; version and status say it is up.
const runtime = new Proxy({} as RuntimeClient, {
  get(_t, prop) {
    if (prop === 'then') return undefined;
    if (prop === 'endpoint' || prop === 'imageEndpoint') return 'unix:///fake.sock';
    if (prop === 'close') return () => undefined;
    if (prop === 'version') return async () => ({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '2.0.0', runtimeApiVersion: 'v1' });
    if (prop === 'status') return async () => ({ conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }], info: {} });
    return async () => [];
  },
});
const sup = new Supervisor(settings, createLogger({ level: 'silent' }), { runtime, statusSocket: false });
await sup.start();
for (let i = 0; i < 200 && !sup.controlPlaneInstance; i++) await new Promise((r) => setTimeout(r, 25));
const created = sup.controlPlaneInstance !== undefined;
await sup.stop();
await rm(dir, { recursive: true, force: true });
// Let the hook thread deliver what it has.
await new Promise((r) => setTimeout(r, 100));
process.stdout.write(JSON.stringify({ created, view: sup.controlPlaneView(), urls }));
process.exit(0);
