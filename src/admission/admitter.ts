/**
 * Admission on the node: decides, oldest pod first, whether a pod fits before its first sandbox
 * is created, and keeps the books of what admitted pods hold.
 *
 * One deliberate difference from the kubelet: a pod that does not fit is not failed (the
 * kubelet sets phase Failed and never retries) but waits, Pending with the same reason and
 * message, and is admitted as soon as room appears. A static pod cannot be re-created by a
 * controller, so failing it for good would leave the node without it until its manifest changes.
 */
import type { Pod } from '../api/generated/core-v1.js';
import { matchesNode } from './affinity.js';
import { formatAmounts, PODS, type Amounts } from './amounts.js';
import { addUsage, checkFit, emptyUsage, requestedBy, type FitFailure, type PodDemand } from './fit.js';
import type { NodeResources } from './node.js';
import { hostPorts } from './ports.js';
import { podRequests } from './requests.js';

export type AdmissionVerdict = { admit: true } | ({ admit: false } & FitFailure);

/** A pod as admission orders it. */
export interface AdmissionCandidate {
  uid: string;
  pod: Pod;
  /** When the pod was first seen (kubernetes.io/config.seen): older pods are admitted first. */
  seenAt: string;
}

export interface PodAdmitterOptions {
  node: NodeResources;
  /**
   * Every desired pod. Those that have not asked yet still go before younger pods, so a batch of
   * manifests read together is admitted oldest first whatever order their workers run in.
   */
  candidates?: () => Iterable<AdmissionCandidate>;
  /** The node's name and labels, for nodeSelector and node affinity (absent: not checked). */
  nodeName?: string;
  nodeLabels?: Readonly<Record<string, string>>;
}

interface Entry extends AdmissionCandidate, PodDemand {
  order: number;
  fullName: string;
}

export interface WaitingPodView {
  name: string;
  namespace: string;
  uid: string;
  reason: string;
  message: string;
}

/** What `/node` and `staticlet node` show. */
export interface NodeAdmissionSummary {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  /** Sum of the requests of admitted pods; `pods` counts them. */
  requested: Record<string, string>;
  waiting: WaitingPodView[];
  labels: Record<string, string>;
}

function entryOf(c: AdmissionCandidate, opts: PodAdmitterOptions): Entry {
  const spec = c.pod.spec ?? { containers: [] };
  const seen = Date.parse(c.seenAt);
  const meta = c.pod.metadata;
  return {
    ...c,
    order: Number.isNaN(seen) ? Infinity : seen,
    fullName: `${meta?.namespace ?? ''}/${meta?.name ?? ''}`,
    requests: podRequests(spec),
    ports: hostPorts(spec),
    ...(opts.nodeLabels ? { matchesNode: matchesNode(spec, opts.nodeLabels, opts.nodeName ?? '') } : {}),
  };
}

function olderFirst(a: Entry, b: Entry): number {
  return a.order - b.order || (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0) || (a.uid < b.uid ? -1 : 1);
}

export class PodAdmitter {
  private readonly admitted = new Map<string, Entry>();
  private readonly waiting = new Map<string, Entry & FitFailure>();
  /** Pods that finished while still desired: they hold nothing and are no longer candidates. */
  private readonly finished = new Set<string>();
  private readonly listeners = new Set<(uids: string[]) => void>();
  /** Demands by UID: a UID names one immutable pod, so they are computed once. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: PodAdmitterOptions) {}

  isAdmitted(uid: string): boolean {
    return this.admitted.has(uid);
  }

  /** A pod found running in the runtime counts as admitted whatever it holds. */
  adopt(c: AdmissionCandidate): void {
    this.finished.delete(c.uid);
    this.waiting.delete(c.uid);
    if (!this.admitted.has(c.uid)) this.admitted.set(c.uid, this.entry(c));
  }

  /**
   * Admits the pod when it fits after every older pod still waiting (or not yet asked) has been
   * given its place; otherwise it waits with the reason of its own refusal.
   */
  admit(c: AdmissionCandidate): AdmissionVerdict {
    if (this.admitted.has(c.uid)) return { admit: true };
    this.finished.delete(c.uid);
    const me = this.entry(c);
    // Running totals: a burst of n pods costs O(n²) fit checks, not O(n³).
    const usage = emptyUsage();
    for (const p of this.admitted.values()) addUsage(usage, p);
    for (const other of this.ahead(me)) if (!checkFit(other, this.opts.node.allocatable, usage)) addUsage(usage, other);
    const failure = checkFit(me, this.opts.node.allocatable, usage);
    if (failure) {
      this.waiting.set(c.uid, { ...me, ...failure });
      return { admit: false, ...failure };
    }
    this.waiting.delete(c.uid);
    this.admitted.set(c.uid, me);
    return { admit: true };
  }

  /**
   * The pod no longer holds anything: torn down, or finished while its manifest stays.
   * `stillDesired` keeps a finished pod from being counted as a candidate again.
   */
  release(uid: string, stillDesired = false): void {
    const held = this.admitted.delete(uid);
    // A waiting pod reserved its place ahead of younger ones; they may fit without it.
    const wasWaiting = this.waiting.delete(uid);
    if (stillDesired) this.finished.add(uid);
    else {
      this.finished.delete(uid);
      this.entries.delete(uid);
    }
    if ((held || wasWaiting) && this.waiting.size > 0) this.notify();
  }

  /** Called with the waiting pods, oldest first, whenever room may have appeared. */
  onRoom(listener: (uids: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): NodeAdmissionSummary {
    const requested: Amounts = requestedBy(this.admitted.values());
    requested[PODS] = BigInt(this.admitted.size);
    return {
      capacity: formatAmounts(this.opts.node.capacity),
      allocatable: formatAmounts(this.opts.node.allocatable),
      requested: formatAmounts(requested),
      labels: { ...(this.opts.nodeLabels ?? {}) },
      waiting: [...this.waiting.values()].sort(olderFirst).map((w) => ({
        namespace: w.pod.metadata?.namespace ?? '',
        name: w.pod.metadata?.name ?? '',
        uid: w.uid,
        reason: w.reason,
        message: w.message,
      })),
    };
  }

  /** Not-yet-admitted pods older than `me`, oldest first. */
  private ahead(me: Entry): Entry[] {
    const byUid = new Map<string, Entry>();
    for (const w of this.waiting.values()) byUid.set(w.uid, w);
    for (const c of this.opts.candidates?.() ?? []) {
      if (byUid.has(c.uid) || this.admitted.has(c.uid) || this.finished.has(c.uid)) continue;
      byUid.set(c.uid, this.entry(c));
    }
    byUid.delete(me.uid);
    return [...byUid.values()].filter((e) => olderFirst(e, me) < 0).sort(olderFirst);
  }

  private entry(c: AdmissionCandidate): Entry {
    let e = this.entries.get(c.uid);
    if (!e) {
      e = entryOf(c, this.opts);
      this.entries.set(c.uid, e);
    }
    return e;
  }

  private notify(): void {
    const uids = [...this.waiting.values()].sort(olderFirst).map((w) => w.uid);
    for (const l of this.listeners) l(uids);
  }
}
