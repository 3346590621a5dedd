import type { Pod } from '../api/generated/core-v1.js';
import type { DesiredChange, DesiredPod, DesiredStateView } from '../config/desired-state.js';
import { formatManifestError } from '../config/manifest.js';
import type { ProbeFailure } from '../probes/manager.js';
import type { PodDeps } from './deps.js';
import { LOG_ROTATION_PERIOD_MS, LogRotator } from './log-rotation.js';
import type { RotationPolicy } from '../logs/rotation.js';
import { formatTime } from '../status/index.js';
import { Limiter } from '../lib/limiter.js';
import { Relister, type RelistResult } from './relist.js';
import { LogLinkKeeper } from './log-links.js';
import { PodWorker, type WorkerHost } from './worker.js';
import type { PodRef } from './kill.js';
import type { Observation } from './observe.js';
import { sandboxesNewestFirst } from './instances.js';
import { ANNOTATION_CONFIG_SOURCE } from '../config/identity.js';
import type { PodCounts, PodCountSource } from './metrics.js';
import type { StartBreakdown } from './start-phases.js';

export interface PodManagerOptions {
  /** Runtime relist period (the kubelet's PLEG: 1 s). */
  relistPeriodMs?: number;
  /** Every worker re-syncs at least this often (syncFrequency, 1 min). */
  resyncPeriodMs?: number;
  maxConcurrentSyncs?: number;
  /** Period of the in-memory upkeep: back-off entries, log links. */
  housekeepingPeriodMs?: number;
  /** Container log rotation (containerLogMaxSize / containerLogMaxFiles); absent: none. */
  logRotation?: RotationPolicy & { periodMs?: number };
  /** A pod was added or went away, or its status changed (the pod's UID). Must be cheap. */
  onPodChange?: (uid: string) => void;
}

export const DEFAULT_RELIST_PERIOD_MS = 1_000;
export const DEFAULT_MAX_CONCURRENT_SYNCS = 16;

/**
 * Owns the pod workers: one per UID that is desired or present in the runtime. Desired-state
 * changes, relist differences and the periodic resync only wake workers; workers do the rest.
 */
export class PodManager implements PodCountSource {
  private readonly workers = new Map<string, PodWorker>();
  private readonly limiter: Limiter;
  private readonly relister: Relister;
  private readonly logLinks: LogLinkKeeper | undefined;
  private readonly logRotator: LogRotator | undefined;
  private readonly host: WorkerHost;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private unsubscribeAdmission: (() => void) | undefined;
  private relisting: Promise<void> | undefined;
  private lastLoop: number | undefined;
  private lastRelistError: string | undefined;
  /** When the last relist started (performance.now() ms), for kubelet_pleg_relist_interval_seconds. */
  private lastRelistAt: number | undefined;
  private stopped = false;

  constructor(
    private readonly deps: PodDeps,
    private readonly desired: DesiredStateView,
    private readonly opts: PodManagerOptions,
  ) {
    this.limiter = new Limiter(opts.maxConcurrentSyncs ?? DEFAULT_MAX_CONCURRENT_SYNCS);
    this.relister = new Relister(deps.runtime);
    const linksDir = deps.node.containerLogLinksDir;
    this.logLinks = linksDir ? new LogLinkKeeper(deps.runtime, linksDir, deps.node.podLogsDir, deps.logger) : undefined;
    this.logRotator = opts.logRotation ? new LogRotator(deps.runtime, deps.node.podLogsDir, opts.logRotation, deps.logger) : undefined;
    this.host = {
      schedule: (fn) => this.limiter.run(fn),
      blocked: (fullName, uid) => [...this.workers.values()].some((w) => w.fullName === fullName && w.uid !== uid && w.holdsName),
      finished: (w) => this.finished(w),
      statusChanged: (uid) => this.changed(uid),
      released: (w) => this.wakeSameName(w),
      // Trusted only while relists succeed: a runtime that stopped answering may have changed.
      fingerprint: (uid) => (this.lastRelistError === undefined ? this.relister.fingerprint(uid) : undefined),
      mayTearDown: (state) => {
        if (this.desired.ready()) return true;
        // The sandbox carries the pod's annotations, config.source among them (config/identity.ts).
        const kind = sandboxesNewestFirst(state.sandboxes)[0]?.annotations[ANNOTATION_CONFIG_SOURCE];
        return (kind === 'file' || kind === 'http') && this.desired.listed(kind);
      },
    };
  }

  /**
   * Adopts what the runtime runs, then starts reconciling. Sources may still be listing: a pod
   * the runtime holds that no manifest asks for is torn down only once its source has listed
   * (WorkerHost.mayTearDown), since before that its manifest may merely be unread.
   */
  async start(early?: ReadonlyMap<string, Observation>): Promise<void> {
    this.unsubscribe = this.desired.subscribe((changes) => this.onChanges(changes));
    // Room on the node (a pod went away): pods waiting for admission try again, oldest first.
    this.unsubscribeAdmission = this.deps.admission?.onRoom((uids) => uids.forEach((uid) => this.workers.get(uid)?.wake()));
    const first = this.relistAndWake(true);
    void this.track(first);
    this.startWorkers((await first)?.pods, early);
    const relistMs = this.opts.relistPeriodMs ?? DEFAULT_RELIST_PERIOD_MS;
    this.every(relistMs, () => void this.relistOnce());
    if (this.opts.resyncPeriodMs) this.every(this.opts.resyncPeriodMs, () => this.workers.forEach((w) => w.wake()));
    const rotator = this.logRotator;
    if (rotator) this.every(this.opts.logRotation?.periodMs ?? LOG_ROTATION_PERIOD_MS, () => void rotator.pass());
    this.every(this.opts.housekeepingPeriodMs ?? 60_000, () =>
      void this.housekeeping().catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'housekeeping failed')),
    );
  }

  /** Stops reconciling and leaves every pod running: static pods outlive their supervisor. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribeAdmission?.();
    for (const t of this.timers) clearInterval(t);
    await this.relisting;
    await this.logLinks?.idle();
    await this.logRotator?.idle();
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
  }

  listPods(): Pod[] {
    return [...this.workers.values()].flatMap((w) => {
      const p = this.view(w);
      return p ? [p] : [];
    });
  }

  getPod(namespace: string, name: string): Pod | undefined {
    const matches = [...this.workers.values()].filter((w) => w.ref.namespace === namespace && w.ref.name === name);
    // A replaced pod and its successor share the name; the live one is the answer.
    const w = matches.find((m) => !m.terminating) ?? matches[0];
    return w ? this.view(w) : undefined;
  }

  /** Where the pod's last start went, phase by phase (`staticlet describe`). */
  startBreakdown(uid: string): StartBreakdown | undefined {
    return this.workers.get(uid)?.lastStart;
  }

  /**
   * The pod gauges at scrape time. Running pods and containers come from the last relist, as
   * the kubelet's come from its runtime cache; the rest from the workers.
   */
  podCounts(): PodCounts {
    const desired = this.desired.pods();
    let active = 0;
    for (const p of desired) {
      const phase = this.workers.get(p.uid)?.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') active++;
    }
    const working = new Map<string, number>();
    const key = (lifecycle: string, config: string, stat: string): string => `${lifecycle}|${config}|${stat}`;
    // Every combination the kubelet reports is present, at 0 when empty, so series do not vanish.
    for (const lifecycle of ['sync', 'terminating', 'terminated']) {
      for (const [config, stat] of [['desired', 'true'], ['orphan', 'true'], ['runtime_only', 'unknown']] as const) working.set(key(lifecycle, config, stat), 0);
    }
    for (const w of this.workers.values()) {
      const phase = w.status?.phase;
      const lifecycle = w.terminating ? 'terminating' : phase === 'Succeeded' || phase === 'Failed' ? 'terminated' : 'sync';
      // A worker made for what the runtime held, with no manifest ever seen, is runtime-only.
      const config = !w.pod ? 'runtime_only' : w.terminating ? 'orphan' : 'desired';
      const k = key(lifecycle, config, config === 'runtime_only' ? 'unknown' : 'true');
      working.set(k, (working.get(k) ?? 0) + 1);
    }
    const counts = this.relister.counts;
    return {
      runningPods: counts.runningPods,
      containers: counts.containers,
      desired: desired.length,
      active,
      working: [...working].map(([k, count]) => {
        const [lifecycle = '', config = '', stat = ''] = k.split('|');
        return { lifecycle, config, static: stat, count };
      }),
    };
  }

  /** True while a pod of that full name (`namespace/name`) is still being torn down. */
  terminating(fullName: string): boolean {
    for (const w of this.workers.values()) if (w.fullName === fullName && w.terminating) return true;
    return false;
  }

  private changed(uid: string): void {
    try {
      this.opts.onPodChange?.(uid);
    } catch (err) {
      this.deps.logger.warn({ uid, err: (err as Error).message }, 'pod change listener failed');
    }
  }

  /** A probe condemned a container: its pod worker restarts it. */
  probeFailed(f: ProbeFailure): void {
    this.workers.get(f.podUid)?.requestKill(f);
  }

  /** Something that shows in a pod's status changed outside the runtime (a probe verdict). */
  wake(uid: string): void {
    this.workers.get(uid)?.wake();
  }

  private view(w: PodWorker): Pod | undefined {
    const pod = w.pod;
    if (!pod) return undefined;
    const status = w.status;
    const meta = { ...pod.metadata };
    if (!meta.creationTimestamp && status?.startTime) meta.creationTimestamp = status.startTime;
    const deletedAt = w.deletedAt;
    if (deletedAt !== undefined) meta.deletionTimestamp ??= formatTime(deletedAt);
    return { apiVersion: 'v1', kind: 'Pod', ...pod, metadata: meta, ...(status ? { status } : {}) };
  }

  private onChanges(changes: readonly DesiredChange[]): void {
    if (this.stopped) return;
    for (const c of changes) {
      switch (c.type) {
        case 'added':
          this.ensureWorker(c.pod.uid, c.pod);
          break;
        case 'updated':
          // Same UID: only labels/annotations changed (they are not in the UID). The running pod
          // takes the new metadata; only containers whose env reads them restart (pods/hash.ts).
          if (c.previous.uid === c.pod.uid) {
            this.ensureWorker(c.pod.uid, c.pod);
            break;
          }
          // The old pod is torn down first; the new one waits for it (same full name).
          this.workers.get(c.previous.uid)?.setDesired(undefined);
          this.changed(c.previous.uid);
          this.ensureWorker(c.pod.uid, c.pod);
          break;
        case 'removed':
          this.workers.get(c.pod.uid)?.setDesired(undefined);
          this.changed(c.pod.uid);
          break;
        case 'rejected':
          for (const uid of c.rejection.keptPods) {
            const p = this.desired.pod(uid);
            if (!p) continue;
            const first = c.rejection.errors[0];
            const msg = `manifest ${c.rejection.source.location} rejected, the pod keeps running as last accepted: ${first ? formatManifestError(first) : 'invalid'}`;
            this.deps.events.record({ namespace: p.pod.metadata?.namespace ?? '', name: p.pod.metadata?.name ?? '', uid }, 'Warning', 'ManifestRejected', msg);
          }
          break;
        case 'recovered':
          break;
        case 'listed':
          // Pods held back for this source may go now.
          for (const w of this.workers.values()) if (w.terminating) w.wake();
          break;
      }
    }
  }

  private ensureWorker(uid: string, pod: DesiredPod | undefined, ref?: { namespace: string; name: string }, seed?: Observation): PodWorker | undefined {
    if (this.stopped) return undefined;
    const existing = this.workers.get(uid);
    if (existing) {
      if (pod) existing.setDesired(pod);
      else existing.wake();
      return existing;
    }
    const meta = pod?.pod.metadata;
    const podRef = { uid, namespace: meta?.namespace ?? ref?.namespace ?? '', name: meta?.name ?? ref?.name ?? '' };
    const w = new PodWorker(this.deps, this.host, podRef, pod);
    if (seed) w.seed(seed);
    this.workers.set(uid, w);
    w.wake();
    this.changed(uid);
    return w;
  }

  /**
   * A worker for every pod, in the order their first syncs take the sync slots (a restarted
   * supervisor has them all at once). First the pods the runtime holds that are no longer
   * desired (a manifest that went or changed while no supervisor ran): they are torn down, and a
   * successor with the same name waits for that (blocked()), as it does while the supervisor
   * runs. Then the desired pods the runtime lacks: the longest way to go, sandbox and all. The
   * pods to adopt, many but quick, come last. `held` is undefined when the runtime did not list.
   */
  private startWorkers(held: ReadonlyMap<string, PodRef> | undefined, early: ReadonlyMap<string, Observation> | undefined): void {
    for (const [uid, ref] of held ?? []) if (!this.desired.pod(uid)) this.ensureWorker(uid, undefined, ref, early?.get(uid));
    const pods = this.desired.pods();
    for (const pod of pods) if (!held?.has(pod.uid) && !this.workers.has(pod.uid)) this.ensureWorker(pod.uid, pod);
    for (const pod of pods) if (!this.workers.has(pod.uid)) this.ensureWorker(pod.uid, pod, undefined, early?.get(pod.uid));
  }

  private finished(w: PodWorker): void {
    if (this.workers.get(w.uid) === w) this.workers.delete(w.uid);
    this.wakeSameName(w);
    this.changed(w.uid);
  }

  /** Whoever waited for this name to be free can go now. */
  private wakeSameName(w: PodWorker): void {
    for (const other of this.workers.values()) if (other !== w && other.fullName === w.fullName) other.wake();
  }

  private relistOnce(): Promise<void> {
    if (this.relisting || this.stopped) return this.relisting ?? Promise.resolve();
    return this.track(this.relistAndWake());
  }

  /** When the relist loop (this staticlet's sync loop) last ran, ms since the epoch. */
  get lastSyncLoop(): number | undefined {
    return this.lastLoop;
  }

  /** Marks a relist in flight: the periodic one skips a beat, stop() waits for it. */
  private track(relist: Promise<unknown>): Promise<void> {
    this.relisting = relist.then(() => undefined).finally(() => (this.relisting = undefined));
    return this.relisting;
  }

  /** `initial`: only list (start() makes the workers); the result, undefined if it failed. */
  private async relistAndWake(initial = false): Promise<RelistResult | undefined> {
    // Each pass counts as the sync loop running, even when the runtime fails it: /healthz's
    // syncloop check is about the loop being stuck, as the kubelet's.
    this.lastLoop = Date.now();
    let r: RelistResult;
    const t0 = performance.now();
    const interval = this.lastRelistAt === undefined ? undefined : (t0 - this.lastRelistAt) / 1000;
    this.lastRelistAt = t0;
    try {
      try {
        r = await this.relister.relist();
      } finally {
        this.deps.metrics?.relist((performance.now() - t0) / 1000, interval);
      }
      // Containers came or went: the log links follow (the first relist covers all of them).
      if (r.changed.size > 0) this.logLinks?.kickSoon();
      if (!initial) this.wakeChanged(r);
    } catch (err) {
      const msg = (err as Error).message;
      // The runtime being down fails every relist; say so once, not every second.
      if (msg !== this.lastRelistError) this.deps.logger.warn({ err: msg }, 'runtime relist failed');
      this.lastRelistError = msg;
      return undefined;
    }
    if (this.lastRelistError) this.deps.logger.info('runtime relist works again');
    this.lastRelistError = undefined;
    return r;
  }

  private wakeChanged(r: RelistResult): void {
    for (const uid of r.changed) {
      const desired = this.desired.pod(uid);
      const known = this.workers.get(uid);
      if (known) known.wake();
      else if (desired) this.ensureWorker(uid, desired);
      else if (r.pods.has(uid)) this.ensureWorker(uid, undefined, r.pods.get(uid));
    }
  }

  /**
   * The pod core's own in-memory upkeep. Log retention and orphaned pod directories are
   * housekeeping jobs on the cron scheduler (housekeeping/index.ts), which reads liveUids().
   */
  private async housekeeping(): Promise<void> {
    this.deps.crashBackoff.gc();
    this.deps.images.gc();
    await this.logLinks?.kick();
  }

  /** UIDs of every pod with a worker: desired, or still held by the runtime. Their directories and logs stay. */
  liveUids(): Set<string> {
    return new Set(this.workers.keys());
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }
}
