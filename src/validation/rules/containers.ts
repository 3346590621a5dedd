/**
 * Container-level rules: names, images, container restartPolicy, sidecar vs plain init
 * container, lifecycle hooks (validateContainers / validateInitContainers).
 */
import type { Lifecycle, LifecycleHandler } from '../../api/generated/core-v1.js';
import { dns1123Label } from '../names.js';
import { field } from '../path.js';
import { addAll, isObject, list, present, type ContainerRef, type RuleContext, quote } from './context.js';
import { checkExec, checkHttpGet, checkTcpSocket, exactlyOneHandler } from './handlers.js';

const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;
/** What a plain init container may not have: it runs to completion, so nothing probes it. */
const INIT_FORBIDDEN = ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;
/** The API server's default pod terminationGracePeriodSeconds. */
export const DEFAULT_GRACE_PERIOD = 30;

function checkName(ctx: RuleContext, ref: ContainerRef, seen: Set<string>): void {
  const name = ref.c.name;
  const path = field(ref.path, 'name');
  if (typeof name !== 'string' || name === '') {
    ctx.add(path, 'required value: every container needs a name');
    return;
  }
  addAll(ctx, path, dns1123Label(name));
  if (seen.has(name)) ctx.add(path, `duplicate value ${quote(name)}: container names must be unique across initContainers, containers and ephemeralContainers`);
  seen.add(name);
}

function checkImage(ctx: RuleContext, ref: ContainerRef): void {
  const image = ref.c.image;
  const path = field(ref.path, 'image');
  if (typeof image !== 'string' || image === '') ctx.add(path, 'required value: a static pod has no controller to fill in an image');
  else if (image.trim() !== image) ctx.add(path, 'must not have leading or trailing whitespace');
}

function checkRestartPolicy(ctx: RuleContext, ref: ContainerRef): void {
  const rp = ref.c.restartPolicy;
  const path = field(ref.path, 'restartPolicy');
  if (rp !== undefined) {
    if (ref.kind === 'container') {
      ctx.add(path, 'may not be set for non-init containers: a container-level restartPolicy is only for init containers (restartPolicy: Always makes them sidecars); use the pod\'s spec.restartPolicy');
    } else if (ref.kind !== 'ephemeral' && rp !== 'Always') {
      ctx.add(path, `unsupported value ${quote(rp)}: supported values: "Always" (a sidecar init container)`);
    }
  }
  if (list(ref.c.restartPolicyRules).length > 0 && ref.kind !== 'ephemeral') {
    ctx.add(field(ref.path, 'restartPolicyRules'), 'may not be set: container restart rules (the ContainerRestartRules feature) are not supported');
  }
}

function checkLifecycleHandler(ctx: RuleContext, path: string, h: LifecycleHandler, gracePeriod: number): void {
  exactlyOneHandler(ctx, path, present(h, LIFECYCLE_HANDLERS), LIFECYCLE_HANDLERS);
  if (isObject(h.exec)) checkExec(ctx, field(path, 'exec'), h.exec);
  if (isObject(h.httpGet)) checkHttpGet(ctx, field(path, 'httpGet'), h.httpGet);
  if (isObject(h.tcpSocket)) checkTcpSocket(ctx, field(path, 'tcpSocket'), h.tcpSocket);
  if (isObject(h.sleep) && typeof h.sleep.seconds === 'number') {
    const s = h.sleep.seconds;
    if (s < 0 || s > gracePeriod) {
      ctx.add(field(field(path, 'sleep'), 'seconds'), `must be non-negative and no more than the pod's terminationGracePeriodSeconds (${gracePeriod})`);
    }
  }
}

function checkLifecycle(ctx: RuleContext, ref: ContainerRef, lc: Lifecycle): void {
  const path = field(ref.path, 'lifecycle');
  const tgps = ctx.spec.terminationGracePeriodSeconds;
  const grace = typeof tgps === 'number' ? tgps : DEFAULT_GRACE_PERIOD;
  if (isObject(lc.postStart)) checkLifecycleHandler(ctx, field(path, 'postStart'), lc.postStart, grace);
  if (isObject(lc.preStop)) checkLifecycleHandler(ctx, field(path, 'preStop'), lc.preStop, grace);
  if (lc.stopSignal !== undefined && !(isObject(ctx.spec.os) && typeof ctx.spec.os.name === 'string' && ctx.spec.os.name !== '')) {
    ctx.add(field(path, 'stopSignal'), 'may not be set for containers with an empty `spec.os.name`');
  }
}

export function checkContainers(ctx: RuleContext): void {
  if (list(ctx.spec.containers).length === 0) ctx.add('spec.containers', 'must have at least one container');
  // App containers first, then init, then ephemeral: the API server reports a duplicate on the
  // init (or ephemeral) container that repeats an app container's name.
  const seen = new Set<string>();
  const order: ContainerRef['kind'][][] = [['container'], ['init', 'sidecar'], ['ephemeral']];
  for (const kinds of order) for (const ref of ctx.containers) if (kinds.includes(ref.kind)) checkName(ctx, ref, seen);
  for (const ref of ctx.containers) {
    checkImage(ctx, ref);
    checkRestartPolicy(ctx, ref);
    if (ref.kind === 'init') {
      for (const f of INIT_FORBIDDEN) {
        if (ref.c[f] !== undefined && ref.c[f] !== null) ctx.add(field(ref.path, f), 'may not be set for init containers without restartPolicy: Always (only sidecars run alongside the app)');
      }
    } else if (ref.kind !== 'ephemeral' && isObject(ref.c.lifecycle)) {
      checkLifecycle(ctx, ref, ref.c.lifecycle);
    }
  }
}
