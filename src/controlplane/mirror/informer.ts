/**
 * This node's pods as the API server has them, kept by an informer (the library's ListWatch over
 * /api/v1/pods?fieldSelector=spec.nodeName=<node>): one LIST, then a watch, so an idle node makes
 * no pod requests and a change (a mirror deleted by someone) is known at once. The kubelet's
 * apiserver pod source does the same.
 *
 * The library's ListWatch relists by itself only on 410 Gone; any other failure (the API server
 * down, a refused watch, a failed LIST) stops it and calls its error callbacks. This module
 * restarts it with back-off (200 ms doubling to 7 s, as the Lease, so a node converges within
 * seconds of the server's return), keeping the last cache meanwhile, and says whether the cache
 * is `synced` (listed and watching) so that decisions a stale cache cannot make safely (deleting
 * orphans) wait. A restart resumes the watch from the last resourceVersion: the server sends
 * what changed meanwhile, or 410 and the informer relists.
 */
import { ListWatch, Watch, type CoreV1Api, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { Pod, PodStatus } from '../../api/generated/core-v1.js';
import { sleep } from '../../pods/hooks.js';
import { Backoff, type OnceLogger } from '../backoff.js';
import { errorText } from '../client.js';

/** What the mirror loops read of the node's pods. */
export interface PodCache {
  /** This node's pods as last seen (slim: no spec but nodeName). */
  list(): readonly Pod[];
  /** At least one LIST has filled the cache. */
  readonly listed: boolean;
  /** Listed and watching now: the cache follows the server (false while reconnecting). */
  readonly synced: boolean;
}

export type PodEvent = 'add' | 'update' | 'delete';

export interface NodePodInformerOptions {
  core: CoreV1Api;
  /** The library Watch to watch with (ApiClients.watch: current credentials, rate-limited start). */
  watch: Watch;
  nodeName: string;
  log: OnceLogger;
  /** A pod of this node was added, changed or deleted (by a watch event or a relist). */
  onEvent?: (kind: PodEvent, pod: Pod) => void;
  /** The cache follows the server again (after the first LIST, or a reconnect). */
  onSynced?: () => void;
  backoff?: Backoff;
  /** Server-side watch timeout range (client-go's reflector: 5-10 min); the watch resumes after it without a LIST. */
  watchTimeoutSeconds?: [number, number];
}

/**
 * What the cache stores per pod: the informer keys objects by metadata.namespace/name and skips
 * updates of an unchanged metadata.resourceVersion; the slim pod rides beside. Storing the slim
 * pod rather than the model keeps the cache small (110 pods' specs are most of a LIST's bytes)
 * and one shape, whether it came from the LIST (client-node models, Dates) or a watch event
 * (plain JSON).
 */
interface Cached extends KubernetesObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  pod: Pod;
}

type WatchArgs = Parameters<Watch['watch']>;

/** JSON copy of a model or of parsed JSON: Dates become the API's strings. */
const json = <T>(o: unknown): T => JSON.parse(JSON.stringify(o)) as T;

/** What the mirror decisions and the status patches need of a pod, as plain JSON. */
export function slimPod(o: V1Pod | Pod): Pod {
  const m = o.metadata;
  const deleted = m?.deletionTimestamp;
  return {
    metadata: {
      ...(m?.name !== undefined ? { name: m.name } : {}),
      ...(m?.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m?.uid !== undefined ? { uid: m.uid } : {}),
      ...(m?.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m?.annotations ? { annotations: { ...m.annotations } } : {}),
      ...(deleted ? { deletionTimestamp: new Date(deleted).toISOString() } : {}),
    },
    spec: { containers: [], ...(o.spec?.nodeName !== undefined ? { nodeName: o.spec.nodeName } : {}) },
    ...(o.status ? { status: json<PodStatus>(o.status) } : {}),
  };
}

function cached(o: V1Pod | Pod): Cached {
  const pod = slimPod(o);
  const m = pod.metadata ?? {};
  return {
    metadata: {
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
    },
    pod,
  };
}

/**
 * The Watch the ListWatch is given: the real one underneath, with watch objects slimmed as LIST
 * items are, a server-side timeoutSeconds, and a client-side deadline a little past it (the
 * library's watch has none, so a half-open connection would otherwise hang the informer).
 */
class SlimWatch extends Watch {
  constructor(
    private readonly inner: Watch,
    private readonly timeoutSeconds: () => number,
    private readonly connected: () => void,
    private readonly errorEvent: () => void,
  ) {
    super(inner.config);
  }

  override async watch(path: WatchArgs[0], query: WatchArgs[1], callback: WatchArgs[2], done: WatchArgs[3]): ReturnType<Watch['watch']> {
    const timeout = this.timeoutSeconds();
    let deadline: NodeJS.Timeout | undefined;
    let ended = false;
    let controller: AbortController;
    // The ListWatch does not await the restart it makes from a watch's end: a throw here (no
    // current cluster, unreadable credentials) would be an unhandled rejection. It is a failed
    // watch instead, which the error callbacks report.
    try {
      controller = await this.inner.watch(
        path,
        { ...query, timeoutSeconds: timeout },
        (type: string, obj: unknown, raw?: unknown) => {
          // An ERROR event (410 Expired, ...) ends the stream: the cache is not following until the next one.
          if (type === 'ERROR') this.errorEvent();
          // ERROR (a Status) and BOOKMARK objects are read by the ListWatch as they are.
          callback(type, type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' ? cached(obj as Pod) : obj, raw);
        },
        (err: unknown) => {
          ended = true;
          clearTimeout(deadline);
          done(err);
        },
      );
    } catch (err) {
      if (!ended) done(err);
      return new AbortController();
    }
    if (!ended) {
      // The server answered 200: from here the stream holds every change since the resourceVersion.
      deadline = setTimeout(() => controller.abort(), (timeout + 30) * 1000);
      deadline.unref();
      this.connected();
    }
    return controller;
  }
}

export class NodePodInformer implements PodCache {
  private readonly informer: ListWatch<Cached>;
  private readonly backoff: Backoff;
  private listedOnce = false;
  private watching = false;
  private stopped = false;
  private connectedAt = 0;
  /** A LIST filled the cache since the last watch opened. */
  private fresh = false;
  /** Bumped whenever the cache stops following, so a pending "synced" of an older watch is void. */
  private generation = 0;
  private broken: (() => void) | undefined;
  /** LISTs made (tests, bench). */
  lists = 0;

  constructor(private readonly o: NodePodInformerOptions) {
    this.backoff = o.backoff ?? new Backoff(200, 7_000);
    const [lo, hi] = o.watchTimeoutSeconds ?? [300, 600];
    const fieldSelector = `spec.nodeName=${o.nodeName}`;
    const watch = new SlimWatch(
      o.watch,
      () => Math.round(lo + Math.random() * (hi - lo)),
      () => this.connected(),
      () => this.unsynced(),
    );
    const list = async () => {
      const l = await o.core.listPodForAllNamespaces({ fieldSelector });
      this.lists++;
      this.listedOnce = true;
      this.fresh = true;
      return { metadata: { ...(l.metadata?.resourceVersion ? { resourceVersion: l.metadata.resourceVersion } : {}) }, items: l.items.map(cached) };
    };
    this.informer = new ListWatch<Cached>('/api/v1/pods', watch, list, false, undefined, fieldSelector);
    for (const kind of ['add', 'update', 'delete'] as const) this.informer.on(kind, (c: Cached) => this.o.onEvent?.(kind, c.pod));
    this.informer.on('error', (err: unknown) => this.failed(err));
  }

  get listed(): boolean {
    return this.listedOnce;
  }

  get synced(): boolean {
    return this.watching;
  }

  list(): readonly Pod[] {
    return this.informer.list().map((c) => c.pod);
  }

  /** Runs the informer until the signal aborts, restarting it with back-off after each failure. */
  async run(signal: AbortSignal): Promise<void> {
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    while (!signal.aborted) {
      const broken = new Promise<void>((resolve) => (this.broken = resolve));
      // start() settles once the watch is open or has failed (failures reach the error callback).
      this.informer.start().catch((err: unknown) => this.failed(err));
      await Promise.race([broken, aborted]);
      if (signal.aborted) break;
      await sleep(this.backoff.next(), signal);
    }
    this.stopped = true;
    this.watching = false;
    await this.informer.stop();
  }

  private connected(): void {
    this.connectedAt = Date.now();
    if (this.fresh) {
      this.fresh = false;
      this.synced_();
      return;
    }
    // Resumed from the last resourceVersion: the server sends what changed meanwhile at once, or
    // a 410 (then the informer relists). Give the backlog a moment before trusting the cache.
    const generation = this.generation;
    setTimeout(() => {
      if (generation === this.generation && !this.stopped) this.synced_();
    }, 500).unref();
  }

  private synced_(): void {
    const was = this.watching;
    this.watching = true;
    this.o.log.ok("mirror pods: watching this node's pods again");
    if (!was) this.o.onSynced?.();
  }

  private unsynced(): void {
    this.generation++;
    this.watching = false;
  }

  private failed(err: unknown): void {
    // stop() aborts the watch, which the ListWatch reports as an error too.
    if (this.stopped) return;
    this.unsynced();
    // A watch that stayed up a while was a working one: the next attempt starts from the shortest delay.
    if (this.connectedAt && Date.now() - this.connectedAt > 10_000) this.backoff.reset();
    this.connectedAt = 0;
    const code = (err as { statusCode?: unknown } | null)?.statusCode;
    this.o.log.failed("mirror pods: cannot list or watch this node's pods; retrying", typeof code === 'number' ? `HTTP ${code}` : errorText(err));
    this.broken?.();
  }
}
