import type { Probe } from '../../api/generated/core-v1.js';
import type { ProbeHandler, ProbeResult, ProbeTarget } from '../types.js';
import { errorText, failure } from './common.js';
import { execProbe } from './exec.js';
import { grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import { tcpProbe } from './tcp.js';

export { execProbe, grpcProbe, httpProbe, tcpProbe };
export { PROBE_OUTPUT_LIMIT, PROBE_USER_AGENT } from './common.js';
export { EXEC_CALL_SLACK_MS } from './exec.js';

/** Validation allows exactly one action; should several slip through, the first in this order runs. */
function handlerFor(probe: Probe): ProbeHandler | undefined {
  if (probe.exec) return execProbe;
  if (probe.httpGet) return httpProbe;
  if (probe.tcpSocket) return tcpProbe;
  if (probe.grpc) return grpcProbe;
  return undefined;
}

/** One attempt of `probe` against `target`, given `timeoutMs` in all; never rejects. */
export async function runProbe(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const handler = handlerFor(probe);
  if (!handler) return failure('probe has no handler');
  try {
    return await handler(probe, target, timeoutMs);
  } catch (err) {
    // Handlers are written not to throw; this keeps a bug in one from killing the probe loop.
    return failure(errorText(err));
  }
}
