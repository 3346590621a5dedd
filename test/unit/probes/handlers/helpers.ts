import { createServer, type Server } from 'node:net';
import type { Runtime } from '../../../../src/runtime/index.js';
import type { ProbeTarget } from '../../../../src/probes/types.js';

/** A loopback target; the runtime throws on use unless a test supplies one. */
export function target(over: Partial<ProbeTarget> = {}): ProbeTarget {
  const runtime = new Proxy({}, { get: (_t, p) => () => Promise.reject(new Error(`unexpected runtime call ${String(p)}`)) }) as Runtime;
  return { runtime, containerId: 'c1', container: { name: 'app' }, podIP: '127.0.0.1', ...over };
}

/** Anything with listen/address/close, i.e. net, http and https servers. */
type Listening = Pick<Server, 'listen' | 'address' | 'close' | 'once'>;

export function listen(server: Listening): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

export function close(server: Listening): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port with nothing listening on it (bound once, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await close(s);
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Open TCP handles in this process (both ends of loopback connections count). */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}
