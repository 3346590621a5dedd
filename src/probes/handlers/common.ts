import type { IntOrString } from '../../api/generated/core-v1.js';
import type { ProbeResult, ProbeTarget } from '../types.js';

/** The kubelet keeps at most 10 KiB of a probe's output (exec output, HTTP body). */
export const PROBE_OUTPUT_LIMIT = 10 * 1024;

/**
 * Sent where the kubelet sends `kube-probe/<major>.<minor>`. Apps that special-case probes
 * usually match a `kube-probe/` prefix; users who need that can set User-Agent in httpHeaders.
 */
export const PROBE_USER_AGENT = 'staticlet-probe/1.0';

export const success = (message = ''): ProbeResult => ({ outcome: 'success', message });
export const failure = (message: string): ProbeResult => ({ outcome: 'failure', message });

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A port number, or the containerPort of the named port; an error text when neither works. */
export function resolvePort(port: IntOrString, container: ProbeTarget['container']): number | string {
  let n: number;
  if (typeof port === 'number') {
    n = port;
  } else {
    // Names only: validation already rejects digit-only strings, as the API server does.
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (!named) return `port ${JSON.stringify(port)} not found`;
    n = named.containerPort;
  }
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : `invalid port number: ${n}`;
}

/** host:port with IPv6 literals bracketed, like Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's time.Duration formatting for the whole-millisecond values probes use ("1s", "500ms", "1.5s"). */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

const CONNECT_CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
  ETIMEDOUT: 'i/o timeout',
};

function errCode(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  if (code) return code;
  // Happy-eyeballs connects (several addresses for one name) fail with an AggregateError.
  return err instanceof AggregateError ? errCode(err.errors[0]) : undefined;
}

/**
 * A failed connect in Go's words ("dial tcp 10.0.0.5:8080: connect: connection refused"), so
 * events read the same as the kubelet's and existing alerting on those texts keeps working.
 */
export function dialErrorText(err: unknown, host: string, port: number): string {
  const code = errCode(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  const cause = code ? CONNECT_CAUSES[code] : undefined;
  return `dial tcp ${joinHostPort(host, port)}: ${cause ?? errorText(err)}`;
}

/** An error on an established connection, in Go's words where there is a common equivalent. */
export function connErrorText(err: unknown): string {
  // Node says "socket hang up" (code ECONNRESET) when the server closed without answering.
  if (errorText(err) === 'socket hang up') return 'EOF';
  const code = errCode(err);
  if (code === 'ECONNRESET') return 'read: connection reset by peer';
  if (code === 'EPIPE') return 'write: broken pipe';
  return errorText(err);
}
