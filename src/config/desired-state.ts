import type { LoadedPod, ManifestError, ManifestResult } from './manifest.js';
import type { Pod } from '../api/generated/core-v1.js';
import { ANNOTATION_CONFIG_SEEN, canonicalJSON, formatSeen, sourceKey, type SourceKind, type SourceRef } from './identity.js';

/**
 * The set of pods staticlet should be running, and the manifests it refused with their reasons.
 * Later stages (pod workers, status API, metrics) read it through DesiredStateView.
 *
 * A manifest that turns invalid keeps its last accepted pods desired: a typo must never kill a
 * running control plane. Deleting the manifest is what removes its pods.
 */

export interface DesiredPod extends LoadedPod {
  source: SourceRef;
  /** When this UID was first seen, also stamped as kubernetes.io/config.seen. */
  seenAt: string;
}

export interface Rejection {
  source: SourceRef;
  errors: ManifestError[];
  /** When the current reason set first appeared. */
  since: string;
  /** UIDs from the last accepted version of this manifest that are still desired. */
  keptPods: string[];
}

export type DesiredChange =
  | { type: 'added'; pod: DesiredPod }
  | { type: 'updated'; pod: DesiredPod; previous: DesiredPod }
  | { type: 'removed'; pod: DesiredPod }
  | { type: 'rejected'; rejection: Rejection }
  | { type: 'recovered'; source: SourceRef }
  /** A source's first full listing arrived: pods it no longer holds may now be torn down. */
  | { type: 'listed'; source: string };

export type DesiredListener = (changes: readonly DesiredChange[]) => void;

export interface DesiredStateView {
  pods(): DesiredPod[];
  pod(uid: string): DesiredPod | undefined;
  rejections(): Rejection[];
  /** True once every configured source has reported its first full listing. */
  ready(): boolean;
  /** True once every configured source of this kind has reported its first full listing. */
  listed(kind: SourceKind): boolean;
  subscribe(listener: DesiredListener): () => void;
}

interface SourceEntry {
  ref: SourceRef;
  /** Arrival order: on a name clash the manifest that came first keeps the pod. */
  seq: number;
  /** Pods of the newest version that loaded cleanly (the last known good). */
  good: LoadedPod[];
  errors: ManifestError[];
}

export class DesiredState implements DesiredStateView {
  private readonly sources = new Map<string, SourceEntry>();
  private accepted = new Map<string, DesiredPod>(); // by fullName
  private rejected = new Map<string, Rejection>(); // by source key
  private readonly seen = new Map<string, string>(); // uid → first seen
  private readonly listeners = new Set<DesiredListener>();
  private readonly pendingSources: Set<string>;
  private readonly readyWaiters: Array<() => void> = [];
  private seq = 0;
  /** The loaded pod each desired pod was stamped from, to tell label/annotation edits apart. */
  private readonly loadedFrom = new WeakMap<DesiredPod, Pod>();

  /** @param expectedSources names of sources that must report once before ready() is true. */
  constructor(
    expectedSources: readonly string[] = [],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.pendingSources = new Set(expectedSources);
  }

  pods(): DesiredPod[] {
    return [...this.accepted.values()];
  }

  pod(uid: string): DesiredPod | undefined {
    for (const p of this.accepted.values()) if (p.uid === uid) return p;
    return undefined;
  }

  rejections(): Rejection[] {
    return [...this.rejected.values()];
  }

  ready(): boolean {
    return this.pendingSources.size === 0;
  }

  subscribe(listener: DesiredListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listed(kind: SourceKind): boolean {
    for (const name of this.pendingSources) if (sourceKindOf(name) === kind) return false;
    return true;
  }

  markSourceSynced(name: string): void {
    if (!this.pendingSources.delete(name)) return;
    this.emit([{ type: 'listed', source: name }]);
    if (this.ready()) for (const w of this.readyWaiters.splice(0)) w();
  }

  /** Resolves once ready() is true (a source that cannot be read yet delays it). */
  whenReady(): Promise<void> {
    if (this.ready()) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  /** A manifest was (re)read. */
  set(ref: SourceRef, result: ManifestResult): void {
    this.apply([{ ref, result }]);
  }

  /** A manifest is gone: its pods go too. */
  delete(ref: SourceRef): void {
    this.apply([{ ref, result: undefined }]);
  }

  /** Several manifests at once (a directory rescan): one recomputation, one batch of changes. */
  apply(updates: ReadonlyArray<{ ref: SourceRef; result: ManifestResult | undefined }>): DesiredChange[] {
    for (const { ref, result } of updates) {
      const key = sourceKey(ref);
      if (result === undefined) {
        this.sources.delete(key);
        continue;
      }
      const entry = this.sources.get(key) ?? { ref, seq: this.seq++, good: [], errors: [] };
      if (result.ok) {
        entry.good = result.pods;
        entry.errors = [];
      } else {
        entry.errors = result.errors;
      }
      this.sources.set(key, entry);
    }
    const changes = this.recompute();
    this.emit(changes);
    return changes;
  }

  private emit(changes: readonly DesiredChange[]): void {
    if (changes.length > 0) for (const l of this.listeners) l(changes);
  }

  private recompute(): DesiredChange[] {
    const accepted = new Map<string, DesiredPod>();
    const owner = new Map<string, SourceRef>();
    const rejected = new Map<string, Rejection>();
    const entries = [...this.sources.values()].sort((a, b) => a.seq - b.seq);
    for (const entry of entries) {
      const key = sourceKey(entry.ref);
      const clashes: ManifestError[] = [];
      for (const p of entry.good) {
        const first = owner.get(p.fullName);
        if (first && sourceKey(first) !== key) {
          clashes.push({
            source: entry.ref,
            ...(p.document === undefined ? {} : { document: p.document }),
            path: 'metadata.name',
            message: `duplicate pod ${p.fullName}: already defined by ${first.location}; this manifest is ignored until that one is removed`,
          });
        } else if (first) {
          clashes.push({ source: entry.ref, path: 'metadata.name', message: `pod ${p.fullName} is defined twice in this manifest` });
        }
        owner.set(p.fullName, owner.get(p.fullName) ?? entry.ref);
      }
      const errors = [...entry.errors, ...clashes];
      // A clash refuses the whole manifest: half of a file running is harder to reason about.
      const kept = clashes.length > 0 ? [] : entry.good;
      if (clashes.length > 0) {
        for (const p of entry.good) {
          const o = owner.get(p.fullName);
          if (o && sourceKey(o) === key) owner.delete(p.fullName);
        }
      }
      for (const p of kept) accepted.set(p.fullName, this.stamp(p, entry.ref));
      if (errors.length > 0) {
        const previous = this.rejected.get(key);
        const same = previous && sameErrors(previous.errors, errors);
        rejected.set(key, {
          source: entry.ref,
          errors,
          since: same ? previous.since : this.now().toISOString(),
          keptPods: kept.map((p) => p.uid),
        });
      }
    }
    const changes: DesiredChange[] = [];
    for (const [name, pod] of accepted) {
      const before = this.accepted.get(name);
      if (!before) changes.push({ type: 'added', pod });
      // Same UID but a new object: a label/annotation-only edit (the UID leaves them out).
      else if (before.uid !== pod.uid || before !== pod) changes.push({ type: 'updated', pod, previous: before });
    }
    for (const [name, pod] of this.accepted) if (!accepted.has(name)) changes.push({ type: 'removed', pod });
    for (const [key, r] of rejected) {
      const before = this.rejected.get(key);
      if (!before || !sameErrors(before.errors, r.errors)) changes.push({ type: 'rejected', rejection: r });
    }
    for (const [key, r] of this.rejected) if (!rejected.has(key) && this.sources.has(key)) changes.push({ type: 'recovered', source: r.source });
    const liveUids = new Set([...accepted.values()].map((p) => p.uid));
    for (const uid of this.seen.keys()) if (!liveUids.has(uid)) this.seen.delete(uid);
    this.accepted = accepted;
    this.rejected = rejected;
    return changes;
  }

  /** Stamps config.seen once per UID, so re-reading an unchanged file changes nothing. */
  private stamp(p: LoadedPod, source: SourceRef): DesiredPod {
    let seenAt = this.seen.get(p.uid);
    if (!seenAt) {
      seenAt = formatSeen(this.now());
      this.seen.set(p.uid, seenAt);
    }
    const current = this.accepted.get(p.fullName);
    if (current && current.uid === p.uid && current.seenAt === seenAt && this.sameContent(current, p.pod)) return current;
    const pod = structuredClone(p.pod);
    pod.metadata!.annotations = { ...pod.metadata!.annotations, [ANNOTATION_CONFIG_SEEN]: seenAt };
    const desired: DesiredPod = { ...p, pod, source, seenAt };
    this.loadedFrom.set(desired, p.pod);
    return desired;
  }

  /**
   * Equal UIDs can still differ: in labels and annotations, which the UID leaves out, or in
   * anything when the manifest fixes metadata.uid itself.
   */
  private sameContent(current: DesiredPod, loaded: Pod): boolean {
    const before = this.loadedFrom.get(current);
    if (before === undefined) return false;
    return before === loaded || canonicalJSON(before) === canonicalJSON(loaded);
  }
}

/** Source names are `<kind>:<location>` (sources/directory.ts, sources/url.ts). */
function sourceKindOf(name: string): SourceKind | undefined {
  const kind = name.slice(0, name.indexOf(':'));
  return kind === 'file' || kind === 'http' ? kind : undefined;
}

function sameErrors(a: readonly ManifestError[], b: readonly ManifestError[]): boolean {
  return a.length === b.length && a.every((e, i) => e.path === b[i]!.path && e.message === b[i]!.message && e.document === b[i]!.document);
}
