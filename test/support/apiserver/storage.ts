// The object store: one global resourceVersion counter (as etcd's revision), objects per resource,
// and a bounded history of changes per resource from which watches resume. A watch from a
// resourceVersion older than the retained window fails with 410 Expired, as the API server's
// watch cache does, so clients must relist.
import { expired } from './status.js';
import { clone, type KubeObject } from './types.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  rv: number;
  type: EventType;
  object: KubeObject;
  /** The object before a MODIFIED change, so filtered watches can tell entering from leaving. */
  previous?: KubeObject;
}

/** Events as a watcher receives them once its filter is applied. */
export interface WatchEvent {
  type: EventType;
  object: KubeObject;
}

export interface WatchOptions {
  /** Resume after this resourceVersion; undefined sends the current objects as ADDED first. */
  fromRV?: number;
  namespace?: string;
  matches: (o: KubeObject) => boolean;
  send: (e: WatchEvent) => void;
}

interface Watcher {
  namespace?: string;
  matches: (o: KubeObject) => boolean;
  send: (e: WatchEvent) => void;
}

interface Bucket {
  objects: Map<string, KubeObject>;
  history: Change[];
  /** Changes up to and including this resourceVersion are no longer retained. */
  compactedThrough: number;
  watchers: Set<Watcher>;
}

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export class Store {
  private rv = 0;
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly historyLimit: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(resource: string): Bucket {
    let b = this.buckets.get(resource);
    if (!b) {
      b = { objects: new Map(), history: [], compactedThrough: 0, watchers: new Set() };
      this.buckets.set(resource, b);
    }
    return b;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.bucket(resource).objects.get(keyOf(namespace, name));
    return o && clone(o);
  }

  /** Objects sorted by namespace then name, the order etcd keys give. */
  list(resource: string, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.bucket(resource).objects.values()) if (namespace === undefined || o.metadata.namespace === namespace) out.push(clone(o));
    // Byte order of the keys, as etcd ranges return them (not the locale's collation).
    const k = (o: KubeObject) => keyOf(o.metadata.namespace, o.metadata.name!);
    return out.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
  }

  resources(): string[] {
    return [...this.buckets.keys()];
  }

  /** Stores a new or changed object under the next resourceVersion and tells the watchers. */
  put(resource: string, object: KubeObject): KubeObject {
    const b = this.bucket(resource);
    const key = keyOf(object.metadata.namespace, object.metadata.name!);
    const previous = b.objects.get(key);
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.rv);
    b.objects.set(key, stored);
    this.record(b, previous ? { rv: this.rv, type: 'MODIFIED', object: stored, previous } : { rv: this.rv, type: 'ADDED', object: stored });
    return clone(stored);
  }

  /** Removes an object; the DELETED event carries the deletion's own resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.bucket(resource);
    const key = keyOf(namespace, name);
    const current = b.objects.get(key);
    if (!current) return undefined;
    b.objects.delete(key);
    const last = clone(current);
    last.metadata.resourceVersion = String(++this.rv);
    this.record(b, { rv: this.rv, type: 'DELETED', object: last });
    return clone(last);
  }

  private record(b: Bucket, change: Change): void {
    b.history.push(change);
    while (b.history.length > this.historyLimit) b.compactedThrough = b.history.shift()!.rv;
    for (const w of b.watchers) deliver(w, change);
  }

  /** Forgets every retained change, as a compaction does: older resourceVersions expire. */
  compact(): void {
    for (const b of this.buckets.values()) {
      b.history = [];
      b.compactedThrough = this.rv;
    }
  }

  /** Starts a watch; throws 410 Expired when `fromRV` is older than the retained window. */
  watch(resource: string, opts: WatchOptions): () => void {
    const b = this.bucket(resource);
    const w: Watcher = { ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}), matches: opts.matches, send: opts.send };
    if (opts.fromRV === undefined) {
      for (const o of this.list(resource, opts.namespace)) if (opts.matches(o)) opts.send({ type: 'ADDED', object: o });
    } else {
      if (opts.fromRV < b.compactedThrough) throw expired(`too old resource version: ${opts.fromRV} (${b.compactedThrough + 1})`);
      for (const c of b.history) if (c.rv > opts.fromRV) deliver(w, c);
    }
    b.watchers.add(w);
    return () => b.watchers.delete(w);
  }

  /** Ends every watch of every resource (the server going away). */
  dropWatchers(): void {
    for (const b of this.buckets.values()) b.watchers.clear();
  }
}

/** Filtered delivery: an object entering the filter is ADDED, one leaving it is DELETED. */
function deliver(w: Watcher, c: Change): void {
  const inNs = (o: KubeObject) => w.namespace === undefined || o.metadata.namespace === w.namespace;
  const now = inNs(c.object) && w.matches(c.object);
  if (c.type !== 'MODIFIED') {
    if (now) w.send({ type: c.type, object: clone(c.object) });
    return;
  }
  const before = c.previous !== undefined && inNs(c.previous) && w.matches(c.previous);
  if (now) w.send({ type: before ? 'MODIFIED' : 'ADDED', object: clone(c.object) });
  else if (before) w.send({ type: 'DELETED', object: clone(c.object) });
}
