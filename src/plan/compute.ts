import type { Container, Pod } from '../api/generated/core-v1.js';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_CONFIG_SEEN, ANNOTATION_CONFIG_SOURCE, canonicalJSON } from '../config/identity.js';
import { containerHash } from '../pods/hash.js';
import { isSidecar } from '../pods/plan.js';

/**
 * `staticlet plan`'s verdicts: what the running staticlet would do with a set of manifests.
 *
 * Nothing here decides anew: manifests are loaded by the real loader and desired-state rules
 * (cli/commands/validate.ts loadManifestFiles), the static UID tells a replaced pod from a kept
 * one exactly as the supervisor's desired state does, and the containers a kept pod restarts
 * are those whose pod-worker hash (pods/hash.ts) changes, the rule pods/plan.ts applies.
 */

export type Verdict = 'add' | 'keep' | 'restart' | 'remove' | 'refuse';

/** A pod as either side knows it: where it comes from, its UID, `namespace/name`, the accepted Pod. */
export interface PlannedPod {
  location: string;
  uid: string;
  fullName: string;
  pod: Pod;
}

export interface PlanEntry {
  verdict: Verdict;
  /** The manifest as the running staticlet names it (its live path). */
  manifest: string;
  /** `namespace/name`; absent for a refused manifest that holds no running pod. */
  pod?: string;
  uid?: string;
  /** The UID the running pod has, when the plan replaces it with another. */
  previousUid?: string;
  reason: string;
  /** Field paths that differ from the running pod, first MAX_CHANGES of them. */
  changes: string[];
  /** Containers that would be (re)started in place of running ones. */
  restarts: string[];
  /** Why the manifest would be refused. */
  errors?: string[];
}

/** Field paths listed per pod; a rewrite of a whole spec should not print hundreds of lines. */
export const MAX_CHANGES = 20;

/** Fields the static identity sets: they differ for every new UID and say nothing about the edit. */
const IDENTITY_ANNOTATIONS = [ANNOTATION_CONFIG_HASH, ANNOTATION_CONFIG_SEEN, ANNOTATION_CONFIG_SOURCE];

export interface PlanInput {
  /** The pods the running staticlet wants now, from the manifests in scope only. */
  running: readonly PlannedPod[];
  /** The pods the planned manifests define, as loaded. */
  planned: readonly PlannedPod[];
  /** Refused manifests (live path) with their formatted errors. */
  refused: ReadonlyArray<{ location: string; errors: string[] }>;
}

export function computePlan(input: PlanInput): PlanEntry[] {
  const out: PlanEntry[] = [];
  const byName = new Map(input.running.map((p) => [p.fullName, p]));
  const accounted = new Set<string>();

  for (const r of input.refused) {
    // A refused manifest keeps its last accepted pods: they are listed so nobody expects them gone.
    const kept = input.running.filter((p) => p.location === r.location);
    for (const p of kept) accounted.add(p.uid);
    const base = { verdict: 'refuse' as const, manifest: r.location, changes: [], restarts: [], errors: r.errors };
    if (kept.length === 0) out.push({ ...base, reason: 'the manifest would be refused; nothing starts' });
    for (const p of kept) out.push({ ...base, pod: p.fullName, uid: p.uid, reason: 'the manifest would be refused; its running pod keeps running unchanged' });
  }

  for (const n of input.planned) {
    const old = byName.get(n.fullName);
    const entry = { manifest: n.location, pod: n.fullName, uid: n.uid };
    if (!old) {
      out.push({ ...entry, verdict: 'add', reason: 'new pod: it starts', changes: [], restarts: [] });
      continue;
    }
    accounted.add(old.uid);
    const changes = fieldChanges(old.pod, n.pod);
    if (old.uid !== n.uid) {
      // The UID hashes the content and the path: the old pod is stopped and a new one started.
      const why = changes.length > 0 ? 'the pod spec changed' : old.location !== n.location ? 'the pod moved to another manifest file' : 'the static UID changed';
      out.push({ ...entry, previousUid: old.uid, verdict: 'restart', reason: `${why}: the pod is replaced (new UID), every container restarts`, changes, restarts: containerNames(n.pod, true) });
      continue;
    }
    const restarts = restartedInPlace(old.pod, n.pod);
    if (restarts.length > 0) {
      out.push({ ...entry, verdict: 'restart', reason: 'labels or annotations changed and these containers read them in their environment; the pod and its other containers keep running', changes, restarts });
    } else {
      out.push({ ...entry, verdict: 'keep', reason: changes.length > 0 ? 'labels or annotations change in place; no container restarts' : 'unchanged', changes, restarts: [] });
    }
  }

  for (const p of input.running) {
    if (accounted.has(p.uid)) continue;
    const fileStays = input.planned.some((n) => n.location === p.location);
    out.push({ verdict: 'remove', manifest: p.location, pod: p.fullName, uid: p.uid, reason: fileStays ? 'the manifest no longer defines this pod' : 'the manifest is gone', changes: [], restarts: [] });
  }
  const rank: Record<Verdict, number> = { refuse: 0, remove: 1, restart: 2, add: 3, keep: 4 };
  return out.sort((a, b) => a.manifest.localeCompare(b.manifest) || rank[a.verdict] - rank[b.verdict] || (a.pod ?? '').localeCompare(b.pod ?? ''));
}

/** Containers a new pod starts: init containers too, since a new sandbox runs them again. */
function containerNames(pod: Pod, withInit: boolean): string[] {
  const spec = pod.spec;
  return [...(withInit ? (spec?.initContainers ?? []) : []), ...(spec?.containers ?? [])].map((c) => c.name);
}

/**
 * Same UID, so the same pod: a running container is replaced when its hash changes, which for
 * an unchanged spec only happens through env reading an edited label or annotation. Regular
 * init containers of a running pod never run again, so only sidecars and app containers count.
 */
function restartedInPlace(before: Pod, after: Pod): string[] {
  const old = new Map<string, Container>([...(before.spec?.initContainers ?? []), ...(before.spec?.containers ?? [])].map((c) => [c.name, c]));
  const live = [...(after.spec?.initContainers ?? []).filter(isSidecar), ...(after.spec?.containers ?? [])];
  return live.filter((c) => {
    const was = old.get(c.name);
    return was === undefined || containerHash(was, before) !== containerHash(c, after);
  }).map((c) => c.name);
}

function withoutIdentity(pod: Pod): Pod {
  const copy = structuredClone(pod);
  const meta = copy.metadata ?? {};
  delete meta.uid;
  if (meta.annotations) {
    for (const a of IDENTITY_ANNOTATIONS) delete meta.annotations[a];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return copy;
}

/** Paths of the fields that differ, named as an operator reads them (`spec.containers[app].image`). */
export function fieldChanges(before: Pod, after: Pod): string[] {
  const out: string[] = [];
  diff(withoutIdentity(before), withoutIdentity(after), '', out);
  return out.length > MAX_CHANGES ? [...out.slice(0, MAX_CHANGES), `and ${out.length - MAX_CHANGES} more`] : out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function child(path: string, k: string): string {
  // Label keys and the like are not identifiers: bracket them, as field paths print map keys.
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${k}]`;
}

/** The `name` of every element, when the list is keyed by it (containers, volumes, env, ports). */
function names(list: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const x of list) {
    if (!isRecord(x) || typeof x.name !== 'string') return undefined;
    out.push(x.name);
  }
  return new Set(out).size === out.length ? out : undefined;
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (canonicalJSON(a) === canonicalJSON(b)) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) diff(a[k], b[k], child(path, k), out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = names(a);
    const nb = names(b);
    if (na && nb) {
      const byA = new Map(a.map((x, i) => [na[i]!, x]));
      const byB = new Map(b.map((x, i) => [nb[i]!, x]));
      for (const n of [...new Set([...nb, ...na])]) diff(byA.get(n), byB.get(n), `${path}[${n}]`, out);
      if (na.join('\0') !== nb.join('\0') && na.length === nb.length && na.every((n) => byB.has(n))) out.push(`${path} (order)`);
      return;
    }
    if (a.length === b.length) {
      a.forEach((x, i) => diff(x, b[i], `${path}[${i}]`, out));
      return;
    }
  }
  out.push(path || '(whole document)');
}
