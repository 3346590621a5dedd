/**
 * Keeps this node's mirror pods and their status on the API server. Two loops:
 * - mirrors: on every static pod added, removed or terminating, and every 2 s (housekeeping),
 *   list this node's pods (field selector spec.nodeName) and act on planMirrors();
 * - status: on every status change (debounced 100 ms) and every 10 s, PATCH the status of each
 *   pod whose status changed since last sent onto its mirror (status manager).
 * Nothing here can hold back a pod: every failure is retried at the next round.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { Pod, PodStatus } from '../../api/generated/core-v1.js';
import type { EventRecorder } from '../../events/types.js';
import type { Logger } from '../../logging/logger.js';
import type { StaticPods } from '../index.js';
import { jitterUntil, OnceLogger, Waker, type FailureGroup } from '../backoff.js';
import { errorText, statusCode } from '../client.js';
import { SMP } from '../registration.js';
import { planMirrors, type MirrorAction } from './decide.js';
import { buildMirrorPod, configHash, fullNameOf, isMirrorOf, mirrorHash, type NodeRef } from './mirror-pod.js';
import { RejectBackoff, type Rejection } from './reject-backoff.js';
import { statusPatch } from './status-patch.js';

export const HOUSEKEEPING_MS = 2_000;
export const STATUS_PERIOD_MS = 10_000;
export const STATUS_DEBOUNCE_MS = 100;
export const MIRROR_REJECTED_REASON = 'FailedCreateMirrorPod';

export interface MirrorSyncOptions {
  core: CoreV1Api;
  node: NodeRef;
  pods: StaticPods;
  events: EventRecorder;
  logger: Logger;
  housekeepingMs?: number;
  statusPeriodMs?: number;
  debounceMs?: number;
  backoff?: RejectBackoff;
  namespaceBackoff?: RejectBackoff;
  /** Loops failing together with these (the same API server) make one warning and one recovery line. */
  failures?: FailureGroup;
}

/** Responses come back as client-node models (Dates and all); the plain JSON is what we compare. */
const plain = (o: V1Pod): Pod => JSON.parse(JSON.stringify(o)) as Pod;

/** The listed pods' models, for the status of a mirror not patched yet (converted only then). */
const listed = new WeakMap<Pod, V1Pod>();

/**
 * What the decisions need of a listed pod, without converting the whole model: the housekeeping
 * list holds every pod of the node every 2 s.
 */
function slim(o: V1Pod): Pod {
  const m = o.metadata;
  const deleted = m?.deletionTimestamp;
  const p: Pod = {
    metadata: {
      ...(m?.name !== undefined ? { name: m.name } : {}),
      ...(m?.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m?.uid !== undefined ? { uid: m.uid } : {}),
      ...(m?.annotations ? { annotations: m.annotations } : {}),
      ...(deleted ? { deletionTimestamp: new Date(deleted).toISOString() } : {}),
    },
    spec: { containers: [], ...(o.spec?.nodeName !== undefined ? { nodeName: o.spec.nodeName } : {}) },
  };
  listed.set(p, o);
  return p;
}

function statusOf(p: Pod): PodStatus | undefined {
  const raw = listed.get(p);
  return raw ? (raw.status ? (JSON.parse(JSON.stringify(raw.status)) as PodStatus) : undefined) : p.status;
}

export class MirrorPodSync {
  /** This node's mirror pods by full name, as last listed or written. */
  private readonly mirrors = new Map<string, Pod>();
  /** Static pod UID → what was last sent to which mirror. */
  private readonly sent = new Map<string, { mirrorUid: string; status: PodStatus }>();
  /** Woken while a round ran: run it again straight after (a wake is never lost). */
  private again = { reconcile: false, status: false };
  private readonly backoff: RejectBackoff;
  private readonly log: OnceLogger;
  private readonly statusLog: OnceLogger;
  private readonly reconcileWaker = new Waker();
  private readonly statusWaker = new Waker();
  /** Namespaces the server said do not exist: their creates back off as refused ones do, per namespace. */
  private readonly missingNamespaces: RejectBackoff;
  private debounce: NodeJS.Timeout | undefined;
  private signature = '';
  private listed = false;
  /** Status PATCHes sent (tests, bench). */
  patches = 0;

  constructor(private readonly o: MirrorSyncOptions) {
    this.backoff = o.backoff ?? new RejectBackoff();
    this.missingNamespaces = o.namespaceBackoff ?? new RejectBackoff();
    this.log = new OnceLogger(o.logger, Date.now, o.failures);
    this.statusLog = new OnceLogger(o.logger, Date.now, o.failures);
  }

  view(): { count: number; rejected: Rejection[] } {
    return { count: this.mirrors.size, rejected: [...this.backoff.list(), ...this.missingNamespaces.list()] };
  }

  async run(signal: AbortSignal): Promise<void> {
    const unsubscribe = this.o.pods.onChange((uid) => this.changed(uid));
    try {
      await Promise.all([
        jitterUntil(() => this.repeat('reconcile', () => this.reconcile()), this.o.housekeepingMs ?? HOUSEKEEPING_MS, signal, 0, this.reconcileWaker),
        jitterUntil(() => this.repeat('status', () => this.flush()), this.o.statusPeriodMs ?? STATUS_PERIOD_MS, signal, 0, this.statusWaker),
      ]);
    } finally {
      unsubscribe();
      clearTimeout(this.debounce);
    }
  }

  private async repeat(which: 'reconcile' | 'status', fn: () => Promise<void>): Promise<void> {
    do {
      this.again[which] = false;
      await fn();
    } while (this.again[which]);
  }

  private wake(which: 'reconcile' | 'status'): void {
    this.again[which] = true;
    (which === 'reconcile' ? this.reconcileWaker : this.statusWaker).wake();
  }

  /** A pod was added, removed or its status changed: one debounced look at all of them. */
  private changed(_uid: string): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      // A pod came, went or started terminating: the mirrors follow now, not at housekeeping.
      if (this.podSignature() !== this.signature) this.wake('reconcile');
      this.wake('status');
    }, this.o.debounceMs ?? STATUS_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private podSignature(pods: readonly Pod[] = this.o.pods.list()): string {
    return pods.map((p) => `${p.metadata?.uid ?? ''}${p.metadata?.deletionTimestamp ? '-' : '+'}`).sort().join(',');
  }

  /** One housekeeping round: list this node's pods, then create, recreate or delete mirrors. */
  async reconcile(): Promise<void> {
    let items: V1Pod[];
    try {
      items = (await this.o.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.o.node.name}` })).items;
    } catch (err) {
      this.log.failed("mirror pods: cannot list this node's pods; retrying", errorText(err));
      return;
    }
    // The static pods as they are now, after the list: a pod gone meanwhile gets no new mirror.
    const statics = this.o.pods.list();
    this.signature = this.podSignature(statics);
    this.backoff.retain(new Set(statics.map((p) => p.metadata?.uid ?? '')));
    this.missingNamespaces.retain(new Set(statics.map((p) => p.metadata?.namespace ?? 'default')));
    this.mirrors.clear();
    for (const i of items) {
      const p = slim(i);
      if (isMirrorOf(p, this.o.node.name)) this.mirrors.set(fullNameOf(p), p);
    }
    const first = !this.listed;
    this.listed = true;
    let failed: string | undefined;
    for (const a of planMirrors(statics, [...this.mirrors.values()], this.o.node.name, (n) => this.o.pods.terminating(n))) {
      const err = await this.act(a);
      failed ??= err;
    }
    if (failed) this.log.failed('mirror pods: an API request failed; retrying', failed);
    else this.log.ok('mirror pods: the API server answers again');
    // The first list tells which mirrors exist: status goes out now rather than in 10 s.
    if (first) this.wake('status');
  }

  /** The error text of a failure to retry at the next round, if any. */
  private async act(a: MirrorAction): Promise<string | undefined> {
    const { name, namespace } = nameOf(a.fullName);
    try {
      if (a.kind !== 'create') {
        const uid = a.kind === 'recreate' ? a.mirror.metadata?.uid : undefined;
        this.o.logger.info({ pod: a.fullName, mirrorUid: a.mirror.metadata?.uid, why: a.kind === 'recreate' ? a.why : 'orphan' }, 'deleting mirror pod');
        try {
          await this.o.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, ...(uid ? { preconditions: { uid } } : {}) } });
        } catch (err) {
          // Gone already is what we wanted; another UID by now is for the next round to judge.
          if (statusCode(err) !== 404) throw err;
        }
        this.mirrors.delete(a.fullName);
        if (a.kind === 'orphan') return undefined;
      }
      return await this.create(a.fullName, a.pod);
    } catch (err) {
      return errorText(err);
    }
  }

  private async create(fullName: string, pod: Pod): Promise<string | undefined> {
    const uid = pod.metadata?.uid ?? '';
    const { name, namespace } = nameOf(fullName);
    if (this.backoff.blocked(uid) || this.missingNamespaces.blocked(namespace)) return undefined;
    try {
      const created = plain(await this.o.core.createNamespacedPod({ namespace, body: buildMirrorPod(pod, this.o.node) as V1Pod }));
      this.mirrors.set(fullName, created);
      this.o.logger.info({ pod: fullName, mirrorUid: created.metadata?.uid }, 'created mirror pod');
    } catch (err) {
      const code = statusCode(err);
      if (code === 409) {
        // AlreadyExists: ours if it carries the same hash, else the next round replaces it.
        const existing = plain(await this.o.core.readNamespacedPod({ name, namespace }));
        if (mirrorHash(existing) !== configHash(pod)) return errorText(err);
        this.mirrors.set(fullName, existing);
      } else if (code === 403 || code === 422) {
        const reason = errorText(err).replace(/^\d+: /, '');
        const delay = this.backoff.rejected(uid, fullName, reason);
        this.o.events.record({ namespace, name, uid }, 'Warning', MIRROR_REJECTED_REASON, `the API server refused the mirror pod: ${reason}`);
        this.o.logger.warn({ pod: fullName, err: reason, retryInMs: delay }, 'the API server refused the mirror pod; the static pod runs regardless');
        return undefined;
      } else if (code === 404) {
        // The namespace does not exist (the kubelet does not create namespaces either): one
        // warning, and the namespace's creates back off together, 10 s doubling to 5 min.
        const reason = errorText(err).replace(/^\d+: /, '');
        const first = !this.missingNamespaces.list().some((r) => r.pod === `${namespace}/*`);
        const delay = this.missingNamespaces.rejected(namespace, `${namespace}/*`, reason);
        if (first) this.o.logger.warn({ pod: fullName, namespace, err: reason, retryInMs: delay }, 'mirror pods: the namespace does not exist on the API server; retrying with back-off');
        return undefined;
      } else {
        return errorText(err);
      }
    }
    this.missingNamespaces.succeeded(namespace);
    this.backoff.succeeded(uid);
    // A new mirror gets the current status at once.
    this.wake('status');
    return undefined;
  }

  /** Sends the status of the pods whose status changed since last sent (all of them are checked). */
  async flush(): Promise<void> {
    const pods = this.o.pods.list();
    const live = new Set<string>();
    let failed: string | undefined;
    for (const p of pods) {
      const uid = p.metadata?.uid ?? '';
      live.add(uid);
      const status = p.status;
      const mirror = this.mirrors.get(fullNameOf(p));
      // No mirror yet, or a mirror of another pod of that name: nothing to send to.
      if (!status || !mirror?.metadata?.uid || mirrorHash(mirror) !== configHash(p) || mirror.metadata.deletionTimestamp) continue;
      const mirrorUid = mirror.metadata.uid;
      const last = this.sent.get(uid);
      if (last?.mirrorUid === mirrorUid && isDeepStrictEqual(last.status, status)) continue;
      const body = statusPatch(mirrorUid, last?.mirrorUid === mirrorUid ? last.status : statusOf(mirror), status);
      const { name, namespace } = nameOf(fullNameOf(p));
      try {
        const r = plain(await this.o.core.patchNamespacedPodStatus({ name, namespace, body }, SMP));
        this.patches++;
        this.sent.set(uid, { mirrorUid, status: structuredClone(status) });
        if (this.mirrors.get(fullNameOf(p))?.metadata?.uid === mirrorUid) this.mirrors.set(fullNameOf(p), r);
      } catch (err) {
        const code = statusCode(err);
        // The mirror went or was replaced: housekeeping finds the new one; it gets the full status.
        if (code === 404 || code === 409) this.mirrors.delete(fullNameOf(p));
        else failed ??= errorText(err);
      }
    }
    for (const uid of this.sent.keys()) if (!live.has(uid)) this.sent.delete(uid);
    if (failed) this.statusLog.failed('mirror pod status: cannot patch; retrying', failed);
    else this.statusLog.ok('mirror pod status: patched again');
  }
}

function nameOf(fullName: string): { namespace: string; name: string } {
  const i = fullName.indexOf('/');
  return { namespace: fullName.slice(0, i), name: fullName.slice(i + 1) };
}
