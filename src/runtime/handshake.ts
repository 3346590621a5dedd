import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parseEndpoint } from './endpoint.js';
import { DeadlineExceededError, RuntimeError, RuntimeNotReadyError, UnavailableError, UnimplementedError } from './errors.js';
import { CriClient, type CriClientOptions } from './grpc/client.js';
import type { Runtime, RuntimeClient, RuntimeStatus, RuntimeVersion } from './types.js';

export const RUNTIME_READY = 'RuntimeReady';
export const NETWORK_READY = 'NetworkReady';

export interface HandshakeOptions {
  /** How long to wait for the socket to appear and the runtime to answer. */
  timeoutMs?: number;
  /** Fail when NetworkReady is false (host-network pods work without it, so default false). */
  requireNetworkReady?: boolean;
  logger?: Logger;
}

export interface HandshakeResult {
  version: RuntimeVersion;
  status: RuntimeStatus;
  runtimeReady: boolean;
  networkReady: boolean;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

function condition(status: RuntimeStatus, type: string): { ok: boolean; why: string } {
  const c = status.conditions.find((x) => x.type === type);
  if (!c) return { ok: false, why: `${type} condition missing` };
  const detail = [c.reason, c.message].filter(Boolean).join(': ');
  return { ok: c.status, why: `${type}=false${detail ? ` (${oneLine(detail)})` : ''}` };
}

/**
 * Waits for the unix socket to exist so that a runtime that is still starting is not reported as
 * missing, and so that a wrong path fails with a file-level reason rather than a gRPC timeout.
 */
async function waitForSocket(endpoint: string, deadline: number): Promise<void> {
  const { socketPath } = parseEndpoint(endpoint);
  for (;;) {
    try {
      const st = await stat(socketPath);
      if (!st.isSocket()) throw new RuntimeNotReadyError(`container runtime endpoint ${endpoint}: ${socketPath} is not a unix socket`);
      return;
    } catch (err) {
      if (err instanceof RuntimeNotReadyError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (Date.now() >= deadline) {
        const why = code === 'ENOENT' ? 'no such socket' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
        throw new RuntimeNotReadyError(
          `container runtime endpoint ${endpoint} is not reachable: ${why} (is the runtime running? check --container-runtime-endpoint)`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Version + Status check; throws RuntimeNotReadyError with a single-line message on any problem. */
export async function handshake(runtime: Runtime, endpoint: string, opts: HandshakeOptions = {}): Promise<HandshakeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  await waitForSocket(endpoint, deadline);
  let version: RuntimeVersion;
  let status: RuntimeStatus;
  try {
    version = await runtime.version({ timeoutMs: Math.max(1, deadline - Date.now()) });
    if (!version.runtimeApiVersion.startsWith('v1')) {
      throw new RuntimeNotReadyError(
        `container runtime ${version.runtimeName} ${version.runtimeVersion} at ${endpoint} speaks CRI ${version.runtimeApiVersion || '(unknown)'}, staticlet needs v1`,
      );
    }
    status = await runtime.status(false, { timeoutMs: Math.max(1, deadline - Date.now()) });
  } catch (err) {
    if (err instanceof RuntimeNotReadyError) throw err;
    if (err instanceof UnimplementedError) {
      throw new RuntimeNotReadyError(`container runtime endpoint ${endpoint} does not serve CRI v1 (runtime.v1.RuntimeService): ${oneLine(err.details)}`, { cause: err });
    }
    if (err instanceof DeadlineExceededError || err instanceof UnavailableError) {
      // grpc-js deadline texts are a list of internal phases; the user needs the likely causes.
      throw new RuntimeNotReadyError(
        `container runtime endpoint ${endpoint} did not answer CRI calls within ${timeoutMs} ms (runtime hung, or not a CRI socket?)`,
        { cause: err },
      );
    }
    const msg = err instanceof RuntimeError ? `${err.op}: ${err.details}` : err instanceof Error ? err.message : String(err);
    throw new RuntimeNotReadyError(`container runtime endpoint ${endpoint}: ${oneLine(msg)}`, { cause: err });
  }
  const rt = condition(status, RUNTIME_READY);
  const net = condition(status, NETWORK_READY);
  const who = `${version.runtimeName} ${version.runtimeVersion} at ${endpoint}`;
  if (!rt.ok) throw new RuntimeNotReadyError(`container runtime ${who} is not ready: ${rt.why}`);
  if (!net.ok) {
    if (opts.requireNetworkReady) throw new RuntimeNotReadyError(`container runtime ${who} network is not ready: ${net.why}`);
    opts.logger?.warn({ endpoint, condition: net.why }, 'runtime network not ready; only host-network pods can start');
  }
  return { version, status, runtimeReady: rt.ok, networkReady: net.ok };
}

export interface ConnectOptions extends CriClientOptions, HandshakeOptions {}

/** Creates a client and performs the handshake; the client is closed again if that fails. */
export async function connectRuntime(opts: ConnectOptions = {}): Promise<HandshakeResult & { client: RuntimeClient }> {
  const client = new CriClient(opts);
  try {
    const hs = await handshake(client, client.endpoint, opts);
    if (client.imageEndpoint !== client.endpoint) {
      await waitForSocket(client.imageEndpoint, Date.now() + (opts.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS));
    }
    return { ...hs, client };
  } catch (err) {
    client.close();
    throw err;
  }
}
