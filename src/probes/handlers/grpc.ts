import { credentials, Metadata, status as Code, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import type { ProbeHandler, ProbeResult } from '../types.js';
import { errorText, failure, formatDuration, joinHostPort, PROBE_USER_AGENT, resolvePort, success } from './common.js';
import { healthService, type HealthClient } from './health-proto.js';

const CHANNEL_OPTIONS: ChannelOptions = {
  // A private subchannel pool: each attempt dials afresh, as the kubelet's does, and nothing of it
  // outlives close(); the shared pool keeps subchannels (and their backoff state) for reuse.
  'grpc.use_local_subchannel_pool': 1,
  'grpc.primary_user_agent': PROBE_USER_AGENT,
  // Probes target IPs; a DNS TXT lookup for a service config is wasted work.
  'grpc.service_config_disable_resolution': 1,
};

/** grpc.health.v1.Health/Check on the pod IP, plaintext; only SERVING is healthy. */
export const grpcProbe: ProbeHandler = async (probe, target, timeoutMs) => {
  const action = probe.grpc;
  if (!action) return failure('probe has no grpc action');
  const port = resolvePort(action.port, target.container);
  if (typeof port === 'string') return failure(port);
  const addr = joinHostPort(target.podIP, port);
  let client: HealthClient;
  try {
    const Health = healthService();
    client = new Health(addr, credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as HealthClient;
  } catch (err) {
    return failure(`error: failed to connect service at ${JSON.stringify(addr)}: ${errorText(err)}`);
  }
  try {
    return await check(client, addr, action.service ?? '', timeoutMs);
  } finally {
    // One channel per attempt, closed every time, like the kubelet's dial-per-probe.
    client.close();
  }
};

async function check(client: HealthClient, addr: string, service: string, timeoutMs: number): Promise<ProbeResult> {
  const deadline = Date.now() + timeoutMs;
  const within = formatDuration(timeoutMs);
  // The kubelet dials with WithBlock: a refused connection is retried until the deadline, so an
  // unreachable server reports a connect timeout rather than the first error.
  const notReady = await new Promise<Error | undefined>((resolve) => client.waitForReady(deadline, resolve));
  if (notReady) return failure(`timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded`);
  return new Promise((resolve) => {
    client.Check({ service }, new Metadata(), { deadline }, (err, res) => {
      if (err) return resolve(failure(callErrorText(err, within)));
      const s = res?.status ?? 'UNKNOWN';
      resolve(s === 'SERVING' ? success('service healthy') : failure(`service unhealthy (responded with ${JSON.stringify(String(s))})`));
    });
  });
}

function callErrorText(err: ServiceError, within: string): string {
  switch (err.code) {
    case Code.UNIMPLEMENTED:
      return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`;
    case Code.DEADLINE_EXCEEDED:
      return `timeout: health rpc did not complete within ${within}`;
    default:
      return `error: health rpc probe failed: rpc error: code = ${goCodeName(err.code)} desc = ${err.details}`;
  }
}

/** Go's spelling of a status code ("DeadlineExceeded"), as the kubelet's messages show it. */
function goCodeName(code: number): string {
  if (code === Code.CANCELLED) return 'Canceled';
  const name = Code[code] as string | undefined;
  if (!name) return `Code(${code})`;
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());
}
