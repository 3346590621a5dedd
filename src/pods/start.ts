import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, Pod } from '../api/generated/core-v1.js';
import { ImagePullError, isNameReserved, type ImageUser, type KeyedBackoff, type Mount, type PodSandboxConfig } from '../runtime/index.js';
import { VolumeError, type PodVolumes } from '../volumes/index.js';
import type { WaitingNote } from '../status/types.js';
import { containerConfig, ContainerConfigError, DEFAULT_TERMINATION_MESSAGE_PATH, gracePeriodSeconds } from './container-config.js';
import type { PodDeps } from './deps.js';
import { runHook } from './hooks.js';
import { prepareTerminationMessageFile } from './termination.js';
import { fieldPathOf, killContainer, type PodRef } from './kill.js';
import type { StartStep } from './plan.js';
import { linkContainerLog } from './log-links.js';
import { containerLogPath } from './log-paths.js';
import type { StartTimeline } from './start-phases.js';

export interface StartContext {
  deps: PodDeps;
  ref: PodRef;
  pod: Pod;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  podIPs: string[];
  volumes: PodVolumes;
  extraMounts: readonly Mount[];
  logDir: string;
  /** Retry delays while the runtime still reserves a name for an earlier request (crashKey keys). */
  conflicts: KeyedBackoff;
  /** The pod's start being timed, phase by phase, while it lasts. */
  timeline?: StartTimeline;
}

export type StartOutcome = { ok: true } | { ok: false; note: WaitingNote; retryAfterMs: number };

export function crashKey(uid: string, name: string): string {
  return `${uid}/${name}`;
}

/**
 * One container from image to running: pull per policy, create, start, postStart. Each failure
 * becomes the waiting reason the kubelet would show, plus an event.
 */
export async function startContainer(ctx: StartContext, step: StartStep): Promise<StartOutcome> {
  const { deps, ref, pod } = ctx;
  const c = specOf(pod, step.name);
  const fieldPath = fieldPathOf(pod, step.name);
  const target = { ...ref, ...(fieldPath ? { fieldPath } : {}) };
  const key = crashKey(ref.uid, step.name);
  if (step.replaces) deps.crashBackoff.next(key, step.replaces.finishedAt);
  const tl = ctx.timeline;
  if (step.kind === 'app') tl?.appStep();
  else tl?.initStep();
  // As the kubelet: every attempt counts, and a failed one also counts under its reason.
  const counted = (out: StartOutcome): StartOutcome => {
    deps.metrics?.containerStarted(step.kind, out.ok ? undefined : out.note.reason);
    return out;
  };
  const failed = (reason: string, message: string, retryAfterMs: number): StartOutcome => {
    deps.events.record(target, 'Warning', 'Failed', `Error: ${message}`);
    return counted({ ok: false, note: { reason, message }, retryAfterMs });
  };
  const clock = deps.now;
  const image = c.image ?? '';
  const imageKey = `${ref.uid}/${image}`;
  let imageRef: string;
  let imageUser: ImageUser | undefined;
  const imageFrom = clock();
  try {
    const r = await deps.images.ensureImage({
      image,
      pullPolicy: c.imagePullPolicy ?? '',
      backoffKey: imageKey,
      sandboxConfig: ctx.sandboxConfig,
      onPulling: () => deps.events.record(target, 'Normal', 'Pulling', `Pulling image "${image}"`),
    });
    imageRef = r.imageRef;
    imageUser = r.user;
    deps.events.record(target, 'Normal', 'Pulled', r.pulled ? `Successfully pulled image "${image}"` : `Container image "${image}" already present on machine`);
  } catch (err) {
    tl?.add('image', clock() - imageFrom);
    if (!(err instanceof ImagePullError)) throw err;
    const retry = err.retryAfterMs || deps.images.backoffRemaining(imageKey) || deps.crashBackoff.baseMs;
    if (err.reason === 'ImagePullBackOff') deps.events.record(target, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
    else deps.events.record(target, 'Warning', err.reason === 'ErrImagePull' ? 'Failed' : err.reason, err.message);
    return counted({ ok: false, note: { reason: err.reason, message: err.message }, retryAfterMs: retry });
  }
  tl?.add('image', clock() - imageFrom);

  let id: string;
  try {
    await mkdir(join(ctx.logDir, step.name), { recursive: true, mode: 0o755 });
    const terminationFile = await prepareTerminationMessageFile(deps.node, ref.uid, step.name, step.restartCount);
    const terminationMount = { containerPath: c.terminationMessagePath || DEFAULT_TERMINATION_MESSAGE_PATH, hostPath: terminationFile, readonly: false };
    const extraMounts = [...ctx.extraMounts, terminationMount];
    const cfg = await containerConfig({ pod, container: c, restartCount: step.restartCount, imageRef, ...(imageUser ? { imageUser } : {}), node: deps.node, podIPs: ctx.podIPs, volumes: ctx.volumes, extraMounts });
    const createFrom = clock();
    try {
      id = await deps.runtime.createContainer(ctx.sandboxId, cfg, ctx.sandboxConfig);
    } finally {
      if (step.kind === 'app') tl?.add('create', clock() - createFrom);
    }
  } catch (err) {
    const msg = (err as Error).message;
    if (err instanceof ContainerConfigError || err instanceof VolumeError) return failed('CreateContainerConfigError', msg, deps.crashBackoff.baseMs);
    // The same attempt is still being created by an earlier request (a supervisor that died
    // mid-call): it shows up at the next relist or its name comes free. No crash back-off.
    if (isNameReserved(err)) return failed('CreateContainerError', msg, ctx.conflicts.next(key));
    return failed('CreateContainerError', msg, deps.crashBackoff.next(key));
  }
  ctx.conflicts.reset(key);
  deps.events.record(target, 'Normal', 'Created', `Created container ${step.name}`);
  await linkContainerLog(deps, ref, step.name, id, join(ctx.logDir, containerLogPath(step.name, step.restartCount)));
  const startFrom = clock();
  try {
    await deps.runtime.startContainer(id);
  } catch (err) {
    return failed('RunContainerError', (err as Error).message, deps.crashBackoff.next(key));
  } finally {
    if (step.kind === 'app') tl?.add('start', clock() - startFrom);
  }
  deps.events.record(target, 'Normal', 'Started', `Started container ${step.name}`);

  const postStart = c.lifecycle?.postStart;
  if (postStart) {
    const grace = gracePeriodSeconds(pod);
    try {
      await runHook(postStart, { runtime: deps.runtime, containerId: id, container: c, podIP: ctx.podIPs[0] || deps.node.hostIP }, Math.max(grace, 1) * 1000);
    } catch (err) {
      const msg = (err as Error).message;
      deps.events.record(target, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${msg}`);
      // As in Kubernetes, a failed postStart kills the container; the restart policy takes over.
      const inst = { id, state: 'running' as const, annotations: {}, labels: {}, metadata: { name: step.name } };
      await killContainer(deps, ref, pod, inst, `FailedPostStartHook`, undefined, ctx.podIPs[0]);
      return counted({ ok: true });
    }
  }
  if (step.kind === 'app') tl?.appStarted();
  return counted({ ok: true });
}

function specOf(pod: Pod, name: string): Container {
  const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`container ${name} is not in the pod spec`);
  return c;
}
