import { createWriteStream, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolveSettings } from '../../src/config/settings.js';
import { createLogger } from '../../src/logging/logger.js';
import { connectRuntime, type RuntimeClient } from '../../src/runtime/index.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { NODE } from './pods.js';
import type { StaticletDirs } from './staticlet.js';

/** One ExecSync call as the runtime client saw it. */
export interface ExecCall {
  /** performance.now() at the start. */
  at: number;
  ms: number;
  /** 'ok' (exit 0), 'exit' (non-zero), 'error' (the call failed). */
  outcome: 'ok' | 'exit' | 'error';
}

export interface InProcess {
  sup: Supervisor;
  runtime: RuntimeClient;
  execCalls: ExecCall[];
  logPath: string;
  stop(): Promise<void>;
}

/**
 * `staticlet run` in this process, resolved from the same flags as the child (see runFlags) and
 * with the same runtime handshake; the one addition is a counter around ExecSync.
 */
export async function startInProcess(endpoint: string, dirs: StaticletDirs, logPath: string): Promise<InProcess> {
  const settings = resolveSettings({
    podManifestPath: dirs.manifests,
    containerRuntimeEndpoint: endpoint,
    rootDir: dirs.root,
    podLogsDir: dirs.logs,
    containerLogLinksDir: `${dirs.logs}-links`,
    hostnameOverride: NODE,
    nodeIp: '127.0.0.1',
    maxPods: 200,
    loggingFormat: 'json',
    v: 0,
  });
  const out: WriteStream = createWriteStream(logPath);
  const logger = createLogger({ format: 'json', verbosity: 0, destination: out });
  const { client } = await connectRuntime({ endpoint: settings.containerRuntimeEndpoint, runtimeRequestTimeoutMs: settings.runtimeRequestTimeoutMs, logger });
  const execCalls: ExecCall[] = [];
  const execSync = client.execSync.bind(client);
  client.execSync = async (containerId, cmd, timeoutSeconds, opts) => {
    const at = performance.now();
    try {
      const r = await execSync(containerId, cmd, timeoutSeconds, opts);
      execCalls.push({ at, ms: performance.now() - at, outcome: r.exitCode === 0 ? 'ok' : 'exit' });
      return r;
    } catch (err) {
      execCalls.push({ at, ms: performance.now() - at, outcome: 'error' });
      throw err;
    }
  };
  const sup = new Supervisor(settings, logger, { runtime: client });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      await sup.stop();
    } finally {
      client.close();
      await new Promise<void>((r) => out.end(r));
    }
  };
  try {
    await sup.start();
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { sup, runtime: client, execCalls, logPath, stop };
}
