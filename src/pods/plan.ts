import type { Container, Pod, PodSpec } from '../api/generated/core-v1.js';
import type { PodTerminalNote, WaitingNote } from '../status/types.js';
import { byName, containerName, hashOf, neverStarted, restartCountOf, sandboxesNewestFirst, type ContainerInstance, type PodRuntimeState } from './instances.js';

/**
 * The pod worker's brain: from the desired pod and what the runtime holds, decide the next
 * actions. Pure, so every restart rule is testable without a runtime; the worker executes the
 * plan and plans again, which is what makes reconciliation level-triggered.
 */

export type StepKind = 'init' | 'sidecar' | 'app';

export interface StartStep {
  name: string;
  kind: StepKind;
  restartCount: number;
  /** The finished instance this one replaces; its finish time feeds the crash back-off. */
  replaces?: { id: string; finishedAt: number };
}

export interface KillStep {
  id: string;
  name: string;
  /** Event message, e.g. "Container httpd definition changed, will be restarted". */
  message: string;
}

export interface PodPlan {
  createSandbox?: { attempt: number; message: string };
  /** Sandboxes to stop and remove: duplicates and stale attempts nothing refers to. */
  removeSandboxes: string[];
  kill: KillStep[];
  /** Run in order; the worker stops at the first step that fails. */
  start: StartStep[];
  /** Old instances beyond the current and previous one of each container. */
  removeContainers: string[];
  /** A terminal pod keeps its (stopped) sandbox for status until the manifest goes. */
  stopSandbox?: string;
  waiting: Record<string, WaitingNote>;
  /** Plan again after this long (a back-off ends) even if nothing else happens. */
  wakeAfterMs?: number;
  terminal?: PodTerminalNote;
}

export interface PlanInput {
  pod: Pod;
  state: PodRuntimeState;
  now: number;
  startTime: number;
  /** Expected spec hash per container name. */
  hashes: Record<string, string>;
  /** Milliseconds of crash back-off left for `name` whose last instance finished at `finishedAt`. */
  backoffRemaining(name: string, finishedAt: number): number;
  /** The back-off currently in force for `name`, for the CrashLoopBackOff message. */
  backoffDelay(name: string): number;
  /** Highest restart count known outside the runtime (log files of an earlier life), -1 if none. */
  restartHistory(name: string): number;
  /** Startup probe verdict for a running instance; absent means no startup probe gates it. */
  started?(name: string, id: string): boolean;
  /** Verdict of an earlier sync; terminal pods stay terminal. */
  terminal?: PodTerminalNote;
}

/** How many instances of each container to keep: the current one and one for `--previous`. */
export const KEEP_INSTANCES = 2;

export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

export function restartPolicyOf(spec: PodSpec): 'Always' | 'OnFailure' | 'Never' {
  return spec.restartPolicy ?? 'Always';
}

export function shouldRestart(policy: 'Always' | 'OnFailure' | 'Never', exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

function finished(c: ContainerInstance): boolean {
  return c.state === 'exited' || c.state === 'unknown';
}

export function planPod(input: PlanInput): PodPlan {
  const plan: PodPlan = { removeSandboxes: [], kill: [], start: [], removeContainers: [], waiting: {} };
  const spec: PodSpec = input.pod.spec ?? { containers: [] };
  const inits = spec.initContainers ?? [];
  const apps = spec.containers;
  const policy = restartPolicyOf(spec);
  const all = byName(input.state.containers);
  const specNames = new Set([...inits, ...apps].map((c) => c.name));
  const killAll = (message: string): void => {
    for (const c of input.state.containers) {
      if (c.state === 'running' && !plan.kill.some((k) => k.id === c.id)) plan.kill.push({ id: c.id, name: containerName(c), message });
    }
  };

  const wake = (ms: number): void => {
    plan.wakeAfterMs = plan.wakeAfterMs === undefined ? ms : Math.min(plan.wakeAfterMs, ms);
  };
  collectGarbage(all, specNames, plan);

  const sandboxes = sandboxesNewestFirst(input.state.sandboxes);
  const current = sandboxes[0];
  for (const sb of sandboxes.slice(1)) {
    const holdsKept = input.state.containers.some((c) => c.podSandboxId === sb.id && !plan.removeContainers.includes(c.id));
    if (sb.state === 'ready' || !holdsKept) plan.removeSandboxes.push(sb.id);
  }

  let terminal = input.terminal;
  const deadline = spec.activeDeadlineSeconds;
  if (!terminal && deadline !== undefined && input.now - input.startTime >= deadline * 1000) {
    terminal = { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
  }
  terminal ??= completion(inits, apps, policy, all);
  const hostNetwork = spec.hostNetwork === true;
  const sandboxUsable = current !== undefined && current.state === 'ready' && (hostNetwork || current.ip !== '');
  if (!terminal && !sandboxUsable && policy === 'Never' && input.state.containers.length > 0) {
    // The kubelet does not re-create the sandbox of a Never pod whose containers already ran.
    terminal = { phase: 'Failed', message: 'Pod sandbox stopped and the pod restart policy is Never' };
  }
  if (terminal) {
    plan.terminal = terminal;
    killAll(terminal.reason === 'DeadlineExceeded' ? 'Stopping container: pod exceeded its active deadline' : 'Stopping container: pod has completed');
    if (current?.state === 'ready') plan.stopSandbox = current.id;
    return plan;
  }

  if (!sandboxUsable) {
    plan.createSandbox = {
      attempt: current ? (current.metadata.attempt ?? 0) + 1 : 0,
      message: current ? 'Pod sandbox changed, it will be killed and re-created.' : 'Creating pod sandbox',
    };
    killAll('Stopping container: pod sandbox changed, it will be killed and re-created');
    return plan;
  }

  // Nothing else would wake the worker when the active deadline passes.
  if (deadline !== undefined) wake(input.startTime + deadline * 1000 - input.now);
  const here = byName(input.state.containers.filter((c) => c.podSandboxId === current.id));
  const newestHere = (name: string): ContainerInstance | undefined => here.get(name)?.[0];
  /**
   * The attempt a new instance gets: one past every instance that ran, or the attempt of one
   * that never ran (it is made again, not restarted): restartCount counts runs only.
   */
  const nextCount = (name: string): number => {
    let next = input.restartHistory(name) + 1;
    for (const i of all.get(name) ?? []) next = Math.max(next, restartCountOf(i) + (neverStarted(i) ? 0 : 1));
    return next;
  };
  const podRef = `${input.pod.metadata?.name}_${input.pod.metadata?.namespace}(${input.pod.metadata?.uid})`;
  /** Queues a restart of a finished instance unless its back-off runs; false while waiting. */
  const restart = (c: Container, kind: StepKind, inst: ContainerInstance): boolean => {
    const finishedAt = inst.finishedAt || inst.createdAt;
    const left = input.backoffRemaining(c.name, finishedAt);
    if (left > 0) {
      const delay = Math.round(input.backoffDelay(c.name) / 1000);
      plan.waiting[c.name] = { reason: 'CrashLoopBackOff', message: `back-off ${formatSeconds(delay)} restarting failed container=${c.name} pod=${podRef}` };
      wake(left);
      return false;
    }
    if (neverStarted(inst)) {
      // Left created, or its start failed, by this supervisor or one that died: it never ran, so
      // this is no restart and feeds no crash back-off. The same attempt is made again in its
      // place; it goes first, as the runtime reserves each attempt's name.
      if (!plan.removeContainers.includes(inst.id)) plan.removeContainers.push(inst.id);
      plan.start.push({ name: c.name, kind, restartCount: nextCount(c.name) });
      return true;
    }
    plan.start.push({ name: c.name, kind, restartCount: nextCount(c.name), replaces: { id: inst.id, finishedAt } });
    return true;
  };
  /** A running instance whose spec hash differs is replaced, as the kubelet does. */
  const replaceIfChanged = (c: Container, kind: StepKind, inst: ContainerInstance): boolean => {
    const want = input.hashes[c.name];
    const have = hashOf(inst);
    if (want === undefined || have === want) return false;
    plan.kill.push({ id: inst.id, name: c.name, message: `Container ${c.name} definition changed, will be restarted` });
    plan.start.push({ name: c.name, kind, restartCount: nextCount(c.name) });
    return true;
  };

  const initialized = apps.some((c) => here.has(c.name));
  if (!initialized) {
    for (const c of inits) {
      const kind: StepKind = isSidecar(c) ? 'sidecar' : 'init';
      const inst = newestHere(c.name);
      if (!inst) {
        plan.start.push({ name: c.name, kind, restartCount: nextCount(c.name) });
        // The next init container waits for a sidecar's startup probe, if it has one.
        if (kind === 'init' || c.startupProbe) return plan;
        continue;
      }
      if (inst.state === 'running') {
        if (kind === 'init') return plan;
        if (replaceIfChanged(c, kind, inst)) return plan;
        if (c.startupProbe && !(input.started?.(c.name, inst.id) ?? true)) return plan;
        continue;
      }
      if (kind === 'init' && finished(inst) && inst.exitCode === 0) continue;
      restart(c, kind, inst);
      return plan;
    }
  } else {
    // Initialised pods never re-run regular init containers, but keep their sidecars alive.
    for (const c of inits.filter(isSidecar)) {
      const inst = newestHere(c.name);
      if (!inst) plan.start.push({ name: c.name, kind: 'sidecar', restartCount: nextCount(c.name) });
      else if (inst.state === 'running') replaceIfChanged(c, 'sidecar', inst);
      else restart(c, 'sidecar', inst);
    }
  }

  for (const c of apps) {
    const inst = newestHere(c.name);
    if (!inst) {
      plan.start.push({ name: c.name, kind: 'app', restartCount: nextCount(c.name) });
    } else if (inst.state === 'running') {
      replaceIfChanged(c, 'app', inst);
    } else if (inst.state === 'created' || shouldRestart(policy, inst.exitCode)) {
      restart(c, 'app', inst);
    }
  }
  return plan;
}

/** The pod is done when no app container will run again (never for restartPolicy Always). */
function completion(
  inits: readonly Container[],
  apps: readonly Container[],
  policy: 'Always' | 'OnFailure' | 'Never',
  all: Map<string, ContainerInstance[]>,
): PodTerminalNote | undefined {
  if (policy === 'Never') {
    for (const c of inits) {
      const inst = all.get(c.name)?.[0];
      if (!isSidecar(c) && inst && finished(inst) && inst.exitCode !== 0) {
        return { phase: 'Failed', message: `Init container ${c.name} failed with exit code ${inst.exitCode} and the pod restart policy is Never` };
      }
    }
  }
  if (policy === 'Always' || apps.length === 0) return undefined;
  let failed = false;
  for (const c of apps) {
    const inst = all.get(c.name)?.[0];
    if (!inst || !finished(inst) || shouldRestart(policy, inst.exitCode)) return undefined;
    if (inst.exitCode !== 0) failed = true;
  }
  return { phase: failed ? 'Failed' : 'Succeeded' };
}

/**
 * The dead-instance policy, shared by the pod worker (every sync) and the node-wide container
 * GC (housekeeping/container-gc.ts): of one container's instances, newest first, all but the
 * newest and the newest one that ran before it. The kubelet's MaxPerPodContainer 1 keeps one
 * dead instance beside the current one; staticlet keeps the one before the newest even while
 * the newest is dead too, since status reads its lastState from it and `logs --previous` its log.
 */
export function instancesBeyondPolicy<T extends ContainerInstance>(newestFirst: readonly T[]): T[] {
  const [, ...older] = newestFirst;
  const previous = older.filter((c) => !neverStarted(c)).slice(0, KEEP_INSTANCES - 1);
  return older.filter((c) => !previous.includes(c));
}

/**
 * Keeps the newest instance of each container and the newest ones that ran before it, up to
 * KEEP_INSTANCES; an instance that never ran is kept only while it is the newest (it is then
 * made again or, in a pod that will not restart it, is its outcome). Strays not in the spec go.
 */
function collectGarbage(all: Map<string, ContainerInstance[]>, specNames: Set<string>, plan: PodPlan): void {
  for (const [name, list] of all) {
    const drop = specNames.has(name) ? instancesBeyondPolicy(list) : list;
    for (const c of drop) {
      if (c.state === 'running') plan.kill.push({ id: c.id, name, message: `Stopping container ${name}: not part of the pod spec` });
      plan.removeContainers.push(c.id);
    }
  }
}

/** Go-style duration text for whole seconds, as the kubelet prints back-off delays ("1m20s"). */
export function formatSeconds(total: number): string {
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (m === 0) return `${s}s`;
  return s === 0 ? `${m}m0s` : `${m}m${s}s`;
}
