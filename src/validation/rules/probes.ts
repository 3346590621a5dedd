/** Probe rules (validateProbe / validateHandler and the per-kind rules in validateContainers). */
import type { Probe } from '../../api/generated/core-v1.js';
import { field } from '../path.js';
import { isObject, present, type ContainerRef, type RuleContext } from './context.js';
import { checkExec, checkGrpc, checkHttpGet, checkTcpSocket, exactlyOneHandler } from './handlers.js';

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const NON_NEGATIVE = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const;
type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';
const PROBE_KINDS: readonly ProbeKind[] = ['livenessProbe', 'readinessProbe', 'startupProbe'];

function checkProbe(ctx: RuleContext, path: string, kind: ProbeKind, p: Probe): void {
  const set = present(p, PROBE_HANDLERS);
  exactlyOneHandler(ctx, path, set, PROBE_HANDLERS);
  if (isObject(p.exec)) checkExec(ctx, field(path, 'exec'), p.exec);
  if (isObject(p.httpGet)) checkHttpGet(ctx, field(path, 'httpGet'), p.httpGet);
  if (isObject(p.tcpSocket)) checkTcpSocket(ctx, field(path, 'tcpSocket'), p.tcpSocket);
  if (isObject(p.grpc)) checkGrpc(ctx, field(path, 'grpc'), p.grpc);
  for (const f of NON_NEGATIVE) {
    const v = p[f];
    if (typeof v === 'number' && v < 0) ctx.add(field(path, f), 'must be greater than or equal to 0');
  }
  // 0 is defaulted to 1 before validation, so only other values are wrong.
  if (kind !== 'readinessProbe' && typeof p.successThreshold === 'number' && p.successThreshold !== 1 && p.successThreshold !== 0) {
    ctx.add(field(path, 'successThreshold'), `must be 1 for ${kind === 'livenessProbe' ? 'liveness' : 'startup'} probes`);
  }
  const tgps = p.terminationGracePeriodSeconds;
  if (typeof tgps === 'number') {
    if (kind === 'readinessProbe') ctx.add(field(path, 'terminationGracePeriodSeconds'), 'must not be set for readiness probes');
    else if (tgps <= 0) ctx.add(field(path, 'terminationGracePeriodSeconds'), 'must be greater than 0');
  }
}

function checkContainerProbes(ctx: RuleContext, ref: ContainerRef): void {
  // Non-sidecar init containers and ephemeral containers refuse probes outright (containers.ts,
  // static-pod.ts); validating their contents too would only add noise.
  if (ref.kind === 'init' || ref.kind === 'ephemeral') return;
  for (const kind of PROBE_KINDS) {
    const p = ref.c[kind];
    if (isObject(p)) checkProbe(ctx, field(ref.path, kind), kind, p);
  }
}

export function checkProbes(ctx: RuleContext): void {
  for (const ref of ctx.containers) checkContainerProbes(ctx, ref);
}
