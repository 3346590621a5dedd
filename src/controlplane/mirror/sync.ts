/**
 * Keeps this node's mirror pods and their status on the API server. Two loops:
 * - mirrors: on every static pod added, removed or terminating, on every watch event that
 *   touches a mirror (deleted, being deleted, added), and every 2 s (housekeeping), act on
 *   planMirrors() against the informer's cache of this node's pods (informer.ts): no request
 *   unless something is to be done, so an idle node sends none;
 * - status: on every status change (debounced 100 ms) and every 10 s, PATCH the status of each
 *   pod whose status changed since last sent onto its mirror (status manager).
 * Nothing here can hold back a pod: every failure is retried at the next round.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CoreV1Api, V1Pod, Watch } from '@kubernetes/client-node';
import type { Pod, PodStatus } from '../../api/generated/core-v1.js';
import type { EventRecorder } from '../../events/types.js';
import type { Logger } from '../../logging/logger.js';
import type { StaticPods } from '../index.js';
import { jitterUntil, OnceLogger, Waker, type FailureGroup } from '../backoff.js';
import { errorText, statusCode } from '../client.js';
import { SMP } from '../registration.js';
import { planMirrors, type MirrorAction } from './decide.js';
import { NodePodInformer, slimPod, type PodCache, type PodEvent } from './informer.js';
import { buildMirrorPod, configHash, fullNameOf, isMirrorOf, mirrorHash, type NodeRef } from './mirror-pod.js';
import { RejectBackoff, type Rejection } from './reject-backoff.js';
import { statusPatch } from './status-patch.js';

export const HOUSEKEEPING_MS = 2_000;
export const STATUS_PERIOD_MS = 10_000;
export const STATUS_DEBOUNCE_MS = 100;
export const MIRROR_REJECTED_REASON = 'FailedCreateMirrorPod';
/** A mirror we wrote that the cache has not shown yet counts as there for this long at most. */
export const WRITTEN_TTL_MS = 10_000;
/** A UID known deleted is remembered this long after the cache last held it. */
const GONE_TTL_MS = 60_000;

export interface MirrorSyncOptions {
  core: CoreV1Api;
  /** The library Watch for the informer of this node's pods (ApiClients.watch). */
  watch?: Watch;
  /** Tests: a cache to read instead of an informer (then `watch` is not used). */
  cache?: PodCache;
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

export class MirrorPodSync {
  /** This node's pods as the API server has them (the informer's cache). */
  private readonly cache: PodCache;
  private readonly informer: NodePodInformer | undefined;
  /**
   * Mirrors created (or found, on AlreadyExists) by us that the cache has not shown yet, by full
   * name: the watch event may come after the next round, which must not create them again.
   */
  private readonly written = new Map<string, { pod: Pod; at: number }>();
  /** UIDs of mirrors deleted (by us, or seen in a DELETED event) → when: the cache may still hold them. */
  private readonly gone = new Map<string, number>();
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
  private reconciled = false;
  /** Status PATCHes sent (tests, bench). */
  patches = 0;

  constructor(private readonly o: MirrorSyncOptions) {
    this.backoff = o.backoff ?? new RejectBackoff();
    this.missingNamespaces = o.namespaceBackoff ?? new RejectBackoff();
    this.log = new OnceLogger(o.logger, Date.now, o.failures);
    this.statusLog = new OnceLogger(o.logger, Date.now, o.failures);
    if (o.cache) this.cache = o.cache;
    else {
      if (!o.watch) throw new Error('MirrorPodSync needs a watch or a cache');
      this.informer = new NodePodInformer({
        core: o.core,
        watch: o.watch,
        nodeName: o.node.name,
        log: new OnceLogger(o.logger, Date.now, o.failures),
        onEvent: (kind, pod) => this.observed(kind, pod),
        // Listed (or following again after an outage): act on what the server has now.
        onSynced: () => this.wake('reconcile'),
      });
      this.cache = this.informer;
    }
  }

  view(): { count: number; rejected: Rejection[] } {
    return { count: this.mirrorView().size, rejected: [...this.backoff.list(), ...this.missingNamespaces.list()] };
  }

  /** LISTs of this node's pods made by the informer (tests, bench). */
  get lists(): number {
    return this.informer?.lists ?? 0;
  }

  async run(signal: AbortSignal): Promise<void> {
    const unsubscribe = this.o.pods.onChange((uid) => this.changed(uid));
    try {
      await Promise.all([
        jitterUntil(() => this.repeat('reconcile', () => this.reconcile()), this.o.housekeepingMs ?? HOUSEKEEPING_MS, signal, 0, this.reconcileWaker),
        jitterUntil(() => this.repeat('status', () => this.flush()), this.o.statusPeriodMs ?? STATUS_PERIOD_MS, signal, 0, this.statusWaker),
        this.informer?.run(signal),
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

  /** A watch event or relist changed a pod of this node. */
  private observed(kind: PodEvent, pod: Pod): void {
    const uid = pod.metadata?.uid;
    const name = fullNameOf(pod);
    if (uid && kind === 'delete') this.gone.set(uid, Date.now());
    // The cache now knows of the mirror we wrote: it speaks for it from here.
    const ours = uid !== undefined && this.written.get(name)?.pod.metadata?.uid === uid;
    if (ours) this.written.delete(name);
    if (!isMirrorOf(pod, this.o.node.name)) return;
    // A mirror gone, being deleted, or one we did not write: act now rather than at housekeeping.
    // Status-only changes (our own PATCHes among them) wait for housekeeping, which costs no request.
    if (kind === 'delete' || pod.metadata?.deletionTimestamp || (kind === 'add' && !ours)) this.wake('reconcile');
  }

  /**
   * This node's mirror pods by full name: the cache, less the UIDs known deleted, plus the
   * mirrors we wrote that it does not show yet.
   */
  private mirrorView(): Map<string, Pod> {
    const now = Date.now();
    const out = new Map<string, Pod>();
    const uids = new Set<string>();
    for (const p of this.cache.list()) {
      const uid = p.metadata?.uid ?? '';
      uids.add(uid);
      if (isMirrorOf(p, this.o.node.name) && !this.gone.has(uid)) out.set(fullNameOf(p), p);
    }
    for (const [name, w] of this.written) {
      const uid = w.pod.metadata?.uid ?? '';
      // Gone, shown by the cache already, or never shown (its events lost to an outage): drop it.
      if (this.gone.has(uid) || out.get(name)?.metadata?.uid === uid || now - w.at > WRITTEN_TTL_MS) this.written.delete(name);
      else out.set(name, w.pod);
    }
    for (const [uid, at] of this.gone) if (!uids.has(uid) && now - at > GONE_TTL_MS) this.gone.delete(uid);
    return out;
  }

  private podSignature(pods: readonly Pod[] = this.o.pods.list()): string {
    return pods.map((p) => `${p.metadata?.uid ?? ''}${p.metadata?.deletionTimestamp ? '-' : '+'}`).sort().join(',');
  }

  /** One housekeeping round: create, recreate or delete mirrors after the cache of this node's pods. */
  async reconcile(): Promise<void> {
    // Nothing is known of the server's mirrors before the first LIST: wait for it.
    if (!this.cache.listed) return;
    // The static pods as they are now: a pod gone meanwhile gets no new mirror.
    const statics = this.o.pods.list();
    this.signature = this.podSignature(statics);
    this.backoff.retain(new Set(statics.map((p) => p.metadata?.uid ?? '')));
    this.missingNamespaces.retain(new Set(statics.map((p) => p.metadata?.namespace ?? 'default')));
    const first = !this.reconciled;
    this.reconciled = true;
    // A cache that is not following the server (reconnecting after an error) still serves for
    // creates (a mirror there already answers 409, with our hash: success) and recreates (their
    // DELETE carries the UID as precondition), but not for deleting orphans: the name may have
    // been taken by another pod meanwhile.
    const synced = this.cache.synced;
    let failed: string | undefined;
    for (const a of planMirrors(statics, [...this.mirrorView().values()], this.o.node.name, (n) => this.o.pods.terminating(n))) {
      if (a.kind === 'orphan' && !synced) continue;
      const err = await this.act(a);
      failed ??= err;
    }
    if (failed) this.log.failed('mirror pods: an API request failed; retrying', failed);
    else this.log.ok('mirror pods: the API server answers again');
    // The first round tells which mirrors exist: status goes out now rather than in 10 s.
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
        if (a.mirror.metadata?.uid) this.gone.set(a.mirror.metadata.uid, Date.now());
        this.written.delete(a.fullName);
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
      const created = slimPod(await this.o.core.createNamespacedPod({ namespace, body: buildMirrorPod(pod, this.o.node) as V1Pod }));
      this.wrote(fullName, created, false);
      this.o.logger.info({ pod: fullName, mirrorUid: created.metadata?.uid }, 'created mirror pod');
    } catch (err) {
      const code = statusCode(err);
      if (code === 409) {
        // AlreadyExists: ours if it carries the same hash, else the next round replaces it.
        const existing = slimPod(await this.o.core.readNamespacedPod({ name, namespace }));
        if (mirrorHash(existing) !== configHash(pod)) return errorText(err);
        this.wrote(fullName, existing, true);
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

  /**
   * Remembers a mirror we wrote (or read: `exists`, the server's word that it is there now) until
   * the cache shows it, unless a watch event told of it already.
   */
  private wrote(fullName: string, p: Pod, exists: boolean): void {
    const uid = p.metadata?.uid ?? '';
    if (exists) this.gone.delete(uid);
    const shown = this.cache.list().some((c) => c.metadata?.uid === uid);
    if (!shown && !this.gone.has(uid)) this.written.set(fullName, { pod: p, at: Date.now() });
  }

  /** Sends the status of the pods whose status changed since last sent (all of them are checked). */
  async flush(): Promise<void> {
    const pods = this.o.pods.list();
    const mirrors = this.mirrorView();
    const live = new Set<string>();
    let failed: string | undefined;
    for (const p of pods) {
      const uid = p.metadata?.uid ?? '';
      live.add(uid);
      const status = p.status;
      const mirror = mirrors.get(fullNameOf(p));
      // No mirror yet, or a mirror of another pod of that name: nothing to send to.
      if (!status || !mirror?.metadata?.uid || mirrorHash(mirror) !== configHash(p) || mirror.metadata.deletionTimestamp) continue;
      const mirrorUid = mirror.metadata.uid;
      const last = this.sent.get(uid);
      if (last?.mirrorUid === mirrorUid && isDeepStrictEqual(last.status, status)) continue;
      const body = statusPatch(mirrorUid, last?.mirrorUid === mirrorUid ? last.status : mirror.status, status);
      const { name, namespace } = nameOf(fullNameOf(p));
      try {
        // The cache gets the patched mirror by the watch; the answer is not needed.
        await this.o.core.patchNamespacedPodStatus({ name, namespace, body }, SMP);
        this.patches++;
        this.sent.set(uid, { mirrorUid, status: structuredClone(status) });
      } catch (err) {
        const code = statusCode(err);
        // The mirror went or was replaced (the UID precondition failed): that UID is gone; the
        // new mirror, once there, gets the full status.
        if (code === 404 || code === 409) {
          this.gone.set(mirrorUid, Date.now());
          this.wake('reconcile');
        }
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
