import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import type { Pod, PodStatus } from '../api/generated/core-v1.js';
import type { DesiredPod } from '../config/desired-state.js';
import { computePodStatus } from '../status/index.js';
import type { PodTerminalNote, WaitingNote } from '../status/types.js';
import type { PodDeps } from './deps.js';
import { podDnsConfig } from './dns.js';
import { podHostname, PodSandboxConfigError } from './hostname.js';
import { podManagedMounts } from './hosts.js';
import { isNameReserved, KeyedBackoff, type DnsConfig, type Mount } from '../runtime/index.js';
import { prepareVolumes, refreshVolumes, VolumeError, type PodVolumes } from '../volumes/index.js';
import { containerHash } from './hash.js';
import { fieldPathOf, ignoreNotFound, killContainer, removePod, stopPod, type PodRef } from './kill.js';
import { containerLogPath, dropUnwrittenLog, ensurePodLogDir, podLogDir, restartHistory } from './log-paths.js';
import { observePod, type Observation } from './observe.js';
import { planPod, type PodPlan } from './plan.js';
import { sandboxConfig } from './sandbox-config.js';
import { crashKey, startContainer, type StartOutcome } from './start.js';
import { ContainerConfigError } from './container-config.js';
import { containerName, neverStarted, restartCountOf, type PodRuntimeState } from './instances.js';
import type { ProbedContainer, ProbeFailure } from '../probes/manager.js';
import { START_PHASES, StartTimeline, type StartBreakdown } from './start-phases.js';

/** Sandbox annotation holding the pod's start time (ms), so status survives a restart. */
export const START_TIME_ANNOTATION = 'io.staticlet.pod.startTime';

/** Hooks the manager gives each worker. */
export interface WorkerHost {
  /** Runs one sync under the global concurrency bound. */
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  /** True while another pod with the same full name is still being torn down. */
  blocked(fullName: string, uid: string): boolean;
  /** The pod's status differs from the one recorded before. */
  statusChanged(uid: string): void;
  /** The worker has torn its pod down and can be dropped. */
  finished(worker: PodWorker): void;
  /** Nothing of the worker's pod runs any more (its removal goes on): its name is free. */
  released(worker: PodWorker): void;
  /**
   * The last relist's fingerprint of the UID's objects and their states; undefined when none is
   * trustworthy (not listed yet, or the last relist failed).
   */
  fingerprint(uid: string): string | undefined;
  /**
   * False while a pod no manifest asks for may still be owned by a source that has not listed
   * yet (its manifest merely unread): it is left running until then.
   */
  mayTearDown(state: PodRuntimeState): boolean;
}

/** Replans right after acting, but never spins: past this many in a row, wait for a wake. */
const MAX_IMMEDIATE_RESYNCS = 25;
/**
 * Retry delays after an unexpected error (runtime unavailable, timeout, a call racing one that a
 * dead supervisor left running, such as RemoveContainer of a container containerd is still
 * starting for it...): every ERROR_RETRY_FIRST_MS for the first ERROR_RETRY_QUICK errors in a
 * row, as such races end within a second or two, then doubling up to ERROR_RETRY_MS.
 */
const ERROR_RETRY_FIRST_MS = 250;
const ERROR_RETRY_QUICK = 8;
const ERROR_RETRY_MS = 2_000;

export function errorRetryDelay(streak: number): number {
  return Math.min(ERROR_RETRY_FIRST_MS * 2 ** Math.max(0, streak - ERROR_RETRY_QUICK + 1), ERROR_RETRY_MS);
}
/** Retry delays while the runtime reserves a name for an earlier request (see isNameReserved). */
const NAME_RESERVED_RETRY_MS = { baseMs: 250, maxMs: 8_000 };

/**
 * One pod UID. Every action on the pod goes through this worker's loop, one sync at a time;
 * wakes while a sync runs are folded into one more sync. A sync observes the runtime, plans,
 * acts and records status, so whatever woke it, the outcome depends only on the current state.
 */
export class PodWorker {
  readonly uid: string;
  readonly ref: PodRef;
  readonly fullName: string;
  /** The pod to run; undefined once its manifest is gone (the worker then tears it down). */
  private desired: DesiredPod | undefined;
  /** Last spec seen, kept to stop the pod properly after its manifest went away. */
  private lastPod: Pod | undefined;
  private terminal: PodTerminalNote | undefined;
  private terminatingSince: number | undefined;
  private startTime: number | undefined;
  private current: PodStatus | undefined;
  private dirty = false;
  /** Containers a liveness or startup probe condemned; killed at the next sync. */
  private pendingKills: ProbeFailure[] = [];
  /** What the runtime held at the last observation, valid while the relist fingerprint stays. */
  private observed: Observation | undefined;
  /** The sync loop; stop() waits for it. */
  private loop: Promise<void> | undefined;
  /**
   * Set by wake() when it starts the loop, cleared by the loop itself in the same step as its
   * last look at `dirty`: a wake either is seen by that look or starts a new loop, never neither.
   * (Clearing `loop` from a callback on its promise left a microtask gap where a wake only set
   * `dirty` and the pod waited for the next periodic resync. A flag rather than `loop` itself,
   * because the loop may end before wake() has stored its promise.)
   */
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private done = false;
  /** Why admission keeps the pod waiting, while it does. */
  private admissionNote: WaitingNote | undefined;
  /** The refusal last reported as an event, so a long wait is one event, not one per sync. */
  private admissionEvent: string | undefined;
  /** Consecutive syncs that failed with an unexpected error. */
  private errorStreak = 0;
  private lastError: string | undefined;
  /** The last teardown stopped every container and sandbox; only removal was left. */
  private stoppedAll = false;
  private readonly conflicts: KeyedBackoff;
  /** The start being timed (kubelet_pod_start_*, staticlet_pod_start_phase_*), until Ready. */
  private timeline: StartTimeline | undefined;
  /** This life of the pod has had its start timed (or was adopted): no second timeline. */
  private startSeen = false;
  /** The last finished start's breakdown, for `staticlet describe`. */
  private lastStartBreakdown: StartBreakdown | undefined;
  /** kubelet_pod_worker_duration_seconds' operation_type of the next sync. */
  private nextOperation: 'create' | 'update' | 'sync' = 'create';

  constructor(
    private readonly deps: PodDeps,
    private readonly host: WorkerHost,
    ref: PodRef,
    desired: DesiredPod | undefined,
  ) {
    this.uid = ref.uid;
    this.ref = ref;
    this.fullName = `${ref.namespace}/${ref.name}`;
    this.desired = desired;
    this.lastPod = desired?.pod;
    this.conflicts = new KeyedBackoff({ ...NAME_RESERVED_RETRY_MS, now: deps.now });
  }

  get pod(): Pod | undefined {
    return this.lastPod;
  }

  get terminating(): boolean {
    return this.desired === undefined && !this.done;
  }

  /**
   * While terminating, until nothing of the pod runs: a pod with the same full name waits for
   * that, not for the removal of every object and directory after it.
   */
  get holdsName(): boolean {
    return this.terminating && !this.stoppedAll;
  }

  get status(): PodStatus | undefined {
    return this.current;
  }

  /** Where this pod's last start went, phase by phase; undefined before it was Ready once. */
  get lastStart(): StartBreakdown | undefined {
    return this.lastStartBreakdown;
  }

  setDesired(desired: DesiredPod | undefined): void {
    // A pod that comes back is a new life: a terminal verdict from before does not hold.
    if (desired && !this.desired) {
      this.terminal = undefined;
      // Re-added with the same UID while it was going down: the kubelet counts that.
      if (this.terminatingSince !== undefined && !this.done) this.deps.metrics?.podRestarted();
      this.startSeen = false;
      this.timeline = undefined;
    }
    if (desired && desired !== this.desired && this.nextOperation !== 'create') this.nextOperation = 'update';
    if (desired) this.stoppedAll = false;
    this.desired = desired;
    if (desired) {
      this.lastPod = desired.pod;
      this.terminatingSince = undefined;
    } else {
      this.terminatingSince ??= this.deps.now();
    }
    this.wake();
  }

  /** When the manifest went away (ms), while the pod is being torn down. */
  get deletedAt(): number | undefined {
    return this.terminating ? (this.terminatingSince ?? this.deps.now()) : undefined;
  }

  wake(): void {
    if (this.stopped || this.done) return;
    this.dirty = true;
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  wakeAfter(ms: number): void {
    if (this.stopped || this.done) return;
    const at = this.deps.now() + Math.max(0, ms);
    if (at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.wake();
    }, Math.max(0, ms) + 5);
  }

  /** An observation made before the worker existed; observe() trusts it as it trusts its own. */
  seed(observation: Observation): void {
    this.observed ??= observation;
  }

  /** A liveness/startup probe failed: the container is killed in the worker's own loop. */
  requestKill(f: ProbeFailure): void {
    this.pendingKills.push(f);
    this.wake();
  }

  /** Supervisor shutdown: finish the sync in flight, then leave the pod as it is. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.loop;
  }

  private async run(): Promise<void> {
    try {
      while (this.dirty && !this.stopped && !this.done) {
        this.dirty = false;
        try {
          // A sync that acted is followed at once by another in the same slot, so a pod's start
          // (sandbox, containers, then fresh status and probes) is not queued behind every other
          // pod's first step during a burst.
          await this.host.schedule(async () => {
            for (let i = 0; i < MAX_IMMEDIATE_RESYNCS; i++) {
              if (!(await this.timedSync()) || this.stopped || this.done) return;
            }
            // Still acting after that many steps: something flaps; slow down rather than spin.
            this.wakeAfter(1_000);
          });
          this.errorStreak = 0;
          this.lastError = undefined;
        } catch (err) {
          const msg = (err as Error).message;
          // Quick retries of one error would repeat it in the log four times a second: once it is.
          const log = { pod: this.fullName, uid: this.uid, err: msg };
          if (msg !== this.lastError) this.deps.logger.warn(log, 'pod sync failed; will retry');
          else this.deps.logger.debug(log, 'pod sync failed again; will retry');
          this.lastError = msg;
          this.wakeAfter(errorRetryDelay(this.errorStreak++));
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** syncOnce, timed as kubelet_pod_worker_duration_seconds. */
  private async timedSync(): Promise<boolean> {
    const metrics = this.deps.metrics;
    if (!metrics) return this.syncOnce();
    const op = this.nextOperation;
    this.nextOperation = 'sync';
    const t0 = performance.now();
    try {
      return await this.syncOnce();
    } finally {
      metrics.workerSync(op, (performance.now() - t0) / 1000);
    }
  }

  /** Returns true when it changed something in the runtime, so the caller plans again. */
  private async syncOnce(): Promise<boolean> {
    const desired = this.desired;
    const state = await this.observe();
    if (!desired) {
      if (!this.host.mayTearDown(state)) return false;
      this.observed = undefined;
      this.deps.probes?.removePod(this.uid);
      await stopPod(this.deps, this.ref, this.lastPod, state);
      if (!this.desired) {
        // As the kubelet frees a static pod's full name: once nothing of it runs, it holds no
        // node resources either, and its successor need not wait for the removal below.
        this.stoppedAll = true;
        this.deps.admission?.release(this.uid);
        this.host.released(this);
      }
      await removePod(this.deps, this.ref, state);
      // The manifest came back (same UID) while the pod was going down: start it again.
      if (this.desired) return true;
      this.done = true;
      clearTimeout(this.timer);
      this.deps.admission?.release(this.uid);
      this.host.finished(this);
      return false;
    }
    const pod = desired.pod;
    if (this.pendingKills.length > 0) {
      this.observed = undefined;
      return this.killCondemned(pod, state);
    }
    const now = this.deps.now();
    this.startTime ??= recordedStartTime(state) ?? now;
    // Only a start from nothing is timed: an adopted pod's start happened before this process.
    if (!this.startSeen) {
      this.startSeen = true;
      if (this.deps.metrics && state.sandboxes.length === 0 && state.containers.length === 0) {
        const seen = Date.parse(desired.seenAt);
        this.timeline = new StartTimeline(Number.isFinite(seen) && seen <= now ? seen : now, this.deps.now);
      }
    }
    if (this.host.blocked(this.fullName, this.uid)) {
      this.record(pod, state, {}, now);
      return false;
    }
    if (!this.terminal && !this.admitted(desired, state)) {
      this.record(pod, state, {}, now);
      return false;
    }
    this.timeline?.admitted();
    const hashes: Record<string, string> = {};
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) hashes[c.name] = containerHash(c, pod);
    const logDir = podLogDir(this.deps.node.podLogsDir, this.ref.namespace, this.ref.name, this.uid);
    // Log files only matter for containers the runtime has no instance of (a pod that came back).
    const history = new Map<string, number>();
    const known = new Set(state.containers.map((c) => containerName(c)));
    for (const name of Object.keys(hashes)) if (!known.has(name)) history.set(name, await restartHistory(logDir, name));
    const plan = planPod({
      pod,
      state,
      now,
      startTime: this.startTime,
      hashes,
      backoffRemaining: (name, finishedAt) => this.deps.crashBackoff.remainingSince(crashKey(this.uid, name), finishedAt),
      backoffDelay: (name) => this.deps.crashBackoff.get(crashKey(this.uid, name)),
      restartHistory: (name) => history.get(name) ?? -1,
      ...(this.deps.probes ? { started: (_name: string, id: string) => this.deps.probes!.isStarted(id) } : {}),
      ...(this.terminal ? { terminal: this.terminal } : {}),
    });
    // Whatever this sync does to the runtime, even half-way, the next one must look afresh.
    if (changesRuntime(plan)) this.observed = undefined;
    if (plan.terminal && !this.terminal) {
      this.terminal = plan.terminal;
      const why = plan.terminal.reason === 'DeadlineExceeded' ? plan.terminal.message : `pod ${plan.terminal.phase === 'Succeeded' ? 'completed' : 'failed'}`;
      this.deps.events.record(this.ref, plan.terminal.phase === 'Failed' ? 'Warning' : 'Normal', plan.terminal.reason ?? plan.terminal.phase, why ?? '');
    }
    for (const [name, note] of Object.entries(plan.waiting)) {
      if (note.reason !== 'CrashLoopBackOff') continue;
      const fieldPath = fieldPathOf(pod, name);
      this.deps.events.record({ ...this.ref, ...(fieldPath ? { fieldPath } : {}) }, 'Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${this.ref.name}_${this.ref.namespace}(${this.uid})`);
    }
    // downwardAPI files follow label/annotation edits, which keep the pod (and its UID).
    if (state.sandboxes.length > 0) {
      await refreshVolumes(pod, this.deps.node).catch((err: unknown) => this.deps.logger.warn({ pod: this.fullName, err: (err as Error).message }, 'downwardAPI volume refresh failed'));
    }
    let done: { acted: boolean; notes: Record<string, WaitingNote> };
    try {
      done = await this.execute(pod, plan, state, logDir);
    } catch (err) {
      // The pod still gets a status (say, ContainerCreating) while its syncs keep failing.
      this.record(pod, state, plan.waiting, now);
      throw err;
    }
    const { acted, notes } = done;
    this.syncProbes(pod, state);
    // A finished pod holds nothing on the node once its containers have stopped.
    if (this.terminal && this.deps.admission?.isAdmitted(this.uid) && !state.containers.some((c) => c.state === 'running')) {
      this.deps.admission.release(this.uid, true);
    }
    this.record(pod, state, { ...plan.waiting, ...notes }, now);
    if (plan.wakeAfterMs !== undefined) this.wakeAfter(plan.wakeAfterMs);
    return acted;
  }

  private async execute(pod: Pod, plan: PodPlan, state: PodRuntimeState, logDir: string): Promise<{ acted: boolean; notes: Record<string, WaitingNote> }> {
    const { deps } = this;
    const notes: Record<string, WaitingNote> = {};
    let acted = false;
    const podIP = state.sandboxes[0]?.ip ?? '';
    for (const id of plan.removeSandboxes) {
      await ignoreNotFound(deps.runtime.stopPodSandbox(id));
      await ignoreNotFound(deps.runtime.removePodSandbox(id));
      acted = true;
    }
    await Promise.all(
      plan.kill.map((k) => {
        const inst = state.containers.find((c) => c.id === k.id);
        return inst ? killContainer(deps, this.ref, pod, inst, k.message, undefined, podIP) : undefined;
      }),
    );
    if (plan.kill.length > 0) acted = true;
    /** Containers whose attempt is still held by an instance that never ran and would not go. */
    const held = new Map<string, StartOutcome>();
    for (const id of plan.removeContainers) {
      const inst = state.containers.find((c) => c.id === id);
      if (!inst || !neverStarted(inst)) {
        await ignoreNotFound(deps.runtime.removeContainer(id));
        continue;
      }
      const name = containerName(inst);
      try {
        await ignoreNotFound(deps.runtime.removeContainer(id));
      } catch (err) {
        // containerd may still be busy with a start that a dead supervisor began ("container is
        // in starting state"), for as long as it cleans up after it. The attempt is taken until
        // then: that container waits, the rest of the pod goes on.
        const retryAfterMs = this.conflicts.next(crashKey(this.uid, name));
        held.set(name, { ok: false, note: { reason: 'CreateContainerError', message: (err as Error).message }, retryAfterMs });
        this.wakeAfter(retryAfterMs);
        continue;
      }
      // Only once the instance is gone (it may yet have started): the log file is all that
      // would tell of its attempt then.
      await dropUnwrittenLog(join(logDir, containerLogPath(name, restartCountOf(inst))));
    }

    // The node's resolver file is read only when a sandbox config is actually needed.
    let dns: DnsConfig | undefined;
    if (plan.createSandbox || plan.start.length > 0) {
      try {
        // Events only when the sandbox is made: that is when the resolver file gets written.
        const onDnsEvent = (reason: string, message: string): void => void (plan.createSandbox && deps.events.record(this.ref, 'Warning', reason, message));
        dns = podDnsConfig(pod, deps.node, await deps.hostResolver(), onDnsEvent);
        // A hostname the kernel cannot take fails the sandbox before the runtime sees it.
        if (plan.createSandbox && !pod.spec?.hostNetwork) podHostname(pod, deps.node);
      } catch (err) {
        if (!(err instanceof PodSandboxConfigError)) throw err;
        deps.events.record(this.ref, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`);
        this.wakeAfter(deps.crashBackoff.next(crashKey(this.uid, '')));
        return { acted, notes };
      }
    }
    if (plan.createSandbox && dns) {
      await ensurePodLogDir(logDir);
      const cfg = sandboxConfig(pod, plan.createSandbox.attempt, deps.node, dns);
      // Carried on the sandbox so that a restarted supervisor reports the same startTime.
      cfg.annotations = { ...cfg.annotations, [START_TIME_ANNOTATION]: String(this.startTime ?? deps.now()) };
      const key = crashKey(this.uid, '');
      const wait = deps.crashBackoff.remaining(key);
      if (wait > 0) {
        this.wakeAfter(wait);
        return { acted, notes };
      }
      if (plan.createSandbox.attempt > 0) deps.events.record(this.ref, 'Normal', 'SandboxChanged', plan.createSandbox.message);
      const sandboxFrom = deps.now();
      try {
        // Standalone there are no RuntimeClass objects to look the handler up in: the class
        // name is the runtime handler's, as RuntimeClasses are usually named after them.
        await deps.runtime.runPodSandbox(cfg, pod.spec?.runtimeClassName ?? '');
        deps.metrics?.sandboxStarted(true);
      } catch (err) {
        deps.metrics?.sandboxStarted(false);
        // An earlier request for this very sandbox still runs (its caller, a supervisor that
        // died, is gone): the sandbox shows up at the next relist or the name comes free soon.
        const delay = isNameReserved(err) ? this.conflicts.next(key) : deps.crashBackoff.next(key);
        deps.events.record(this.ref, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        this.wakeAfter(delay);
        return { acted, notes };
      }
      this.timeline?.add('sandbox', deps.now() - sandboxFrom);
      deps.crashBackoff.reset(key);
      this.conflicts.reset(key);
      return { acted: true, notes };
    }

    if (plan.start.length > 0 && dns) {
      const sandbox = state.sandboxes[0]!;
      const sbConfig = sandboxConfig(pod, sandbox.metadata.attempt ?? 0, deps.node, dns);
      const podIPs = pod.spec?.hostNetwork ? [deps.node.hostIP] : [sandbox.ip, ...sandbox.additionalIps].filter(Boolean);
      let volumes: PodVolumes;
      let extraMounts: Mount[];
      try {
        await ensurePodLogDir(logDir);
        volumes = await prepareVolumes(pod, deps.node);
        extraMounts = await podManagedMounts(pod, deps.node, podIPs);
      } catch (err) {
        if (!(err instanceof VolumeError) && !(err instanceof ContainerConfigError)) throw err;
        deps.events.record(this.ref, 'Warning', 'FailedMount', err.message);
        for (const s of plan.start) notes[s.name] = { reason: 'CreateContainerConfigError', message: err.message };
        this.wakeAfter(deps.crashBackoff.baseMs);
        return { acted, notes };
      }
      const ctx = { deps, ref: this.ref, pod, sandboxId: sandbox.id, sandboxConfig: sbConfig, podIPs, volumes, extraMounts, logDir, conflicts: this.conflicts, ...(this.timeline ? { timeline: this.timeline } : {}) };
      for (const step of plan.start) {
        const out = held.get(step.name) ?? (await startContainer(ctx, step));
        if (!out.ok) {
          notes[step.name] = out.note;
          this.wakeAfter(out.retryAfterMs);
          // Init containers and sidecars gate what follows them; app containers are
          // independent, so one that cannot start must not hold back its siblings.
          if (step.kind !== 'app') break;
          continue;
        }
        acted = true;
      }
    }
    if (plan.stopSandbox) {
      await ignoreNotFound(deps.runtime.stopPodSandbox(plan.stopSandbox));
      acted = true;
    }
    return { acted, notes };
  }

  /**
   * Admission before the pod's first sandbox: a pod the runtime already holds (adopted) counts
   * as admitted; any other pod waits until it fits, with the reason in its status.
   */
  private admitted(desired: DesiredPod, state: PodRuntimeState): boolean {
    const admission = this.deps.admission;
    if (!admission || admission.isAdmitted(this.uid)) return true;
    const candidate = { uid: this.uid, pod: desired.pod, seenAt: desired.seenAt };
    if (state.sandboxes.length > 0 || state.containers.length > 0) {
      admission.adopt(candidate);
      this.admissionNote = undefined;
      return true;
    }
    const verdict = admission.admit(candidate);
    if (verdict.admit) {
      this.admissionNote = undefined;
      this.admissionEvent = undefined;
      return true;
    }
    this.admissionNote = { reason: verdict.reason, message: verdict.message };
    if (this.admissionEvent !== verdict.reason) {
      this.admissionEvent = verdict.reason;
      this.deps.events.record(this.ref, 'Warning', verdict.reason, verdict.message);
    }
    return false;
  }

  /**
   * The pod's runtime objects. Syncs with nothing new to see (the periodic resync, probe
   * verdicts, back-off timers) reuse the last observation while the relist, which lists every
   * object and its state each second, reports the same fingerprint for the UID: container and
   * sandbox statuses only change along with their state. This saves a status call per object
   * per pod every resync.
   */
  private async observe(): Promise<PodRuntimeState> {
    const fingerprint = this.host.fingerprint(this.uid);
    if (fingerprint !== undefined && this.observed?.fingerprint === fingerprint) return this.observed.state;
    const state = await observePod(this.deps.runtime, this.uid);
    this.observed = fingerprint === undefined ? undefined : { fingerprint, state };
    return state;
  }

  private syncProbes(pod: Pod, state: PodRuntimeState): void {
    this.deps.probes?.sync(this.uid, this.terminal ? [] : probedContainers(this.ref, pod, state, this.deps.node.hostIP));
  }

  private async killCondemned(pod: Pod, state: PodRuntimeState): Promise<boolean> {
    const kills = this.pendingKills.splice(0);
    const podIP = state.sandboxes[0]?.ip ?? '';
    await Promise.all(
      kills.map((k) => {
        const inst = state.containers.find((c) => c.id === k.containerId && c.state === 'running');
        return inst ? killContainer(this.deps, this.ref, pod, inst, k.message, k.graceSeconds, podIP) : undefined;
      }),
    );
    return true;
  }

  private record(pod: Pod, state: PodRuntimeState, waiting: Record<string, WaitingNote>, now: number): void {
    const before = this.current;
    this.current = computePodStatus(
      {
        pod,
        ...(state.sandboxes[0] ? { sandbox: state.sandboxes[0] } : {}),
        containers: state.containers,
        waiting,
        hostIP: this.deps.node.hostIP,
        ...(this.startTime !== undefined ? { startTime: this.startTime } : {}),
        ...(this.terminal ? { terminal: this.terminal } : {}),
        ...(this.admissionNote ? { admission: this.admissionNote } : {}),
        ...(this.current ? { previous: this.current } : {}),
        ...(this.deps.probes ? { probes: this.deps.probes.verdicts(this.uid) } : {}),
        now,
      },
      { runtimeName: this.deps.node.runtimeName },
    );
    if (!isDeepStrictEqual(before, this.current)) this.host.statusChanged(this.uid);
    if (this.timeline) this.timeStart(this.current);
  }

  /** Running first: the kubelet's start durations; Ready: the phases, and the start is over. */
  private timeStart(status: PodStatus): void {
    const tl = this.timeline;
    const metrics = this.deps.metrics;
    if (!tl || !metrics) return;
    if (status.phase === 'Running') {
      const ms = tl.running();
      if (ms !== undefined) metrics.podStarted(ms / 1000, (ms - tl.excludedFromSliMs) / 1000);
    }
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      // Never Ready (a run-to-completion pod): its start is not a start to time.
      this.timeline = undefined;
      return;
    }
    if (!status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return;
    const b = tl.finish();
    for (const p of START_PHASES) metrics.startPhase(p, b.phases[p]);
    this.lastStartBreakdown = b;
    this.timeline = undefined;
  }
}

/** Probes follow the running instances of the current sandbox. */
function probedContainers(ref: PodRef, pod: Pod, state: PodRuntimeState, hostIP: string): ProbedContainer[] {
  const sandbox = state.sandboxes[0];
  if (!sandbox || sandbox.state !== 'ready') return [];
  const podIP = pod.spec?.hostNetwork ? hostIP : sandbox.ip;
  const out: ProbedContainer[] = [];
  for (const inst of state.containers) {
    if (inst.state !== 'running' || inst.podSandboxId !== sandbox.id) continue;
    const name = containerName(inst);
    const container = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name);
    if (!container || !(container.startupProbe || container.livenessProbe || container.readinessProbe)) continue;
    out.push({ pod: ref, container, fieldPath: fieldPathOf(pod, name) ?? '', containerId: inst.id, startedAt: inst.startedAt, podIP });
  }
  return out;
}

/** Pod start as first recorded on a sandbox, else the oldest sandbox's creation (adoption). */
function recordedStartTime(state: PodRuntimeState): number | undefined {
  const times = state.sandboxes.map((s) => {
    const v = s.annotations[START_TIME_ANNOTATION];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : s.createdAt;
  });
  const known = times.filter((t) => t > 0);
  return known.length > 0 ? Math.min(...known) : undefined;
}

function changesRuntime(plan: PodPlan): boolean {
  return Boolean(plan.createSandbox || plan.stopSandbox) || plan.removeSandboxes.length + plan.kill.length + plan.start.length + plan.removeContainers.length > 0;
}
