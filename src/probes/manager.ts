import type { Container, Probe } from '../api/generated/core-v1.js';
import type { EventRecorder } from '../events/types.js';
import type { Runtime } from '../runtime/index.js';
import { Limiter } from '../lib/limiter.js';
import type { ProbeVerdicts } from '../status/types.js';
import { SlotTimer } from './slots.js';
import { ProbeWorker } from './worker.js';
import type { ProbeHandler, ProbeKind, ProbeResult } from './types.js';
import type { VerdictStore } from './verdict-file.js';
import type { ProbeMetrics } from './metrics.js';

/** A running container instance whose probes should run. */
export interface ProbedContainer {
  pod: { namespace: string; name: string; uid: string };
  container: Container;
  /** Spec path for events, e.g. spec.containers{web}. */
  fieldPath: string;
  containerId: string;
  startedAt: number;
  podIP: string;
}

export interface ProbeFailure {
  podUid: string;
  containerId: string;
  name: string;
  kind: 'liveness' | 'startup';
  message: string;
  /** Probe-level terminationGracePeriodSeconds, when set. */
  graceSeconds?: number;
}

export interface ProberOptions {
  runtime: Runtime;
  run: ProbeHandler;
  events: EventRecorder;
  /** A liveness or startup probe failed its threshold: the container must be restarted. */
  onFailure(f: ProbeFailure): void;
  /** A verdict that shows in pod status flipped (readiness, startup). */
  onChange(podUid: string): void;
  /** Bound on concurrent exec probes across all pods (ExecSync load on the runtime). */
  maxConcurrentExec?: number;
  now?: () => number;
  random?: () => number;
  /** Due times are aligned to slots this long so that attempts share wake-ups (default 100 ms). */
  slotMs?: number;
  /** Startup and readiness verdicts that outlive a supervisor restart (adopted containers resume them). */
  verdicts?: VerdictStore;
  /** prober_probe_total / prober_probe_duration_seconds; absent: not counted. */
  metrics?: ProbeMetrics;
}

const KINDS: ReadonlyArray<[ProbeKind, 'startupProbe' | 'livenessProbe' | 'readinessProbe']> = [
  ['startup', 'startupProbe'],
  ['liveness', 'livenessProbe'],
  ['readiness', 'readinessProbe'],
];

const LABEL: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

export const DEFAULT_MAX_CONCURRENT_EXEC = 16;
export const DEFAULT_SLOT_MS = 100;
const MAX_LATENESS_SAMPLES = 10_000;

/**
 * One worker per (container instance, probe kind). Workers start when the pod worker reports
 * an instance running and stop when it is gone, so a restarted container starts from fresh
 * verdicts. Counts results like the kubelet's prober_probe_total.
 */
export class ProberManager {
  private readonly workers = new Map<string, ProbeWorker>(); // `${containerId}/${kind}`
  private readonly byPod = new Map<string, Map<string, ProbedContainer>>(); // uid → containerId → info
  private readonly execLimit: Limiter;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly slots: SlotTimer;
  /** Recent scheduling lateness samples (ms), for the benchmark. */
  readonly lateness: number[] = [];

  constructor(private readonly opts: ProberOptions) {
    this.execLimit = new Limiter(opts.maxConcurrentExec ?? DEFAULT_MAX_CONCURRENT_EXEC);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.slots = new SlotTimer(opts.slotMs ?? DEFAULT_SLOT_MS, this.now);
  }

  /** The running instances of a pod right now; workers follow. */
  sync(podUid: string, running: readonly ProbedContainer[]): void {
    const next = new Map(running.map((c) => [c.containerId, c]));
    const prev = this.byPod.get(podUid) ?? new Map<string, ProbedContainer>();
    for (const id of prev.keys()) {
      if (next.has(id)) continue;
      this.stopContainer(id);
      this.opts.verdicts?.forget(id);
    }
    for (const c of running) {
      if (prev.has(c.containerId)) continue;
      for (const [kind, field] of KINDS) {
        const probe = c.container[field];
        if (probe) this.startWorker(c, kind, probe);
      }
    }
    if (next.size > 0) this.byPod.set(podUid, next);
    else this.byPod.delete(podUid);
  }

  /** The pod is gone for good: its workers stop and its probe series are dropped. */
  removePod(podUid: string): void {
    this.sync(podUid, []);
    this.opts.metrics?.forgetPod(podUid);
  }

  /** Verdicts for pod status: only containers that have the probe appear. */
  verdicts(podUid: string): ProbeVerdicts {
    const ready: Record<string, boolean> = {};
    const started: Record<string, boolean> = {};
    for (const c of this.byPod.get(podUid)?.values() ?? []) {
      const name = c.container.name;
      if (c.container.readinessProbe) ready[name] = this.workers.get(`${c.containerId}/readiness`)?.state.result ?? false;
      if (c.container.startupProbe) started[name] = this.isStarted(c.containerId);
    }
    return { ready, started };
  }

  /** Startup probe passed (true when the container has none). */
  isStarted(containerId: string): boolean {
    const w = this.workers.get(`${containerId}/startup`);
    return w ? w.state.result : true;
  }

  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
    this.byPod.clear();
  }

  private startWorker(c: ProbedContainer, kind: ProbeKind, probe: Probe): void {
    const target = { runtime: this.opts.runtime, containerId: c.containerId, container: c.container, podIP: c.podIP };
    // The worker's series are resolved once, not once per attempt.
    const series = this.opts.metrics?.series({ kind, container: c.container.name, pod: c.pod.name, namespace: c.pod.namespace, podUid: c.pod.uid });
    // Timed inside the exec bound: waiting for a slot is not the probe's own duration.
    const timed = async (p: Probe, t: typeof target, timeoutMs: number): Promise<ProbeResult> => {
      const t0 = performance.now();
      const r = await this.opts.run(p, t, timeoutMs);
      series?.observe(r.outcome !== 'failure', (performance.now() - t0) / 1000);
      return r;
    };
    const saved = kind === 'liveness' ? undefined : this.opts.verdicts?.get(c.containerId)?.[kind];
    const worker = new ProbeWorker(kind, probe, target, c.startedAt, {
      run: (p, t, timeoutMs) => (p.exec ? this.execLimit.run(() => timed(p, t, timeoutMs)) : timed(p, t, timeoutMs)),
      gated: () => kind === 'startup' || this.isStarted(c.containerId),
      result: (w, r, verdict, flipped) => this.onResult(c, w, r, verdict, flipped),
      // Samples are only kept until someone drains them (the benchmark); a full buffer drops
      // new ones rather than shifting 10,000 entries on every probe.
      lateness: (ms) => {
        if (this.lateness.length < MAX_LATENESS_SAMPLES) this.lateness.push(ms);
      },
      now: this.now,
      slots: this.slots,
    }, saved);
    this.workers.set(`${c.containerId}/${kind}`, worker);
    worker.start(this.random() * worker.settings.periodMs);
  }

  private stopContainer(containerId: string): void {
    for (const [kind] of KINDS) {
      const key = `${containerId}/${kind}`;
      this.workers.get(key)?.stop();
      this.workers.delete(key);
    }
  }

  private onResult(c: ProbedContainer, w: ProbeWorker, r: ProbeResult, verdict: boolean, flipped: boolean): void {
    if (r.outcome === 'failure') this.opts.events.record({ ...c.pod, fieldPath: c.fieldPath }, 'Warning', 'Unhealthy', `${LABEL[w.kind]} probe failed: ${r.message}`);
    else if (r.outcome === 'warning') this.opts.events.record({ ...c.pod, fieldPath: c.fieldPath }, 'Warning', 'ProbeWarning', `${LABEL[w.kind]} probe warning: ${r.message}`);
    if (!flipped) return;
    if (w.kind !== 'liveness') this.opts.verdicts?.set(c.containerId, w.kind, verdict);
    if (!verdict && w.kind !== 'readiness') {
      this.opts.onFailure({
        podUid: c.pod.uid,
        containerId: c.containerId,
        name: c.container.name,
        kind: w.kind,
        message: `Container ${c.container.name} failed ${w.kind} probe, will be restarted`,
        ...(w.probe.terminationGracePeriodSeconds !== undefined ? { graceSeconds: w.probe.terminationGracePeriodSeconds } : {}),
      });
    }
    this.opts.onChange(c.pod.uid);
  }
}
