import { createHash } from 'node:crypto';
import type { Pod, Toleration } from '../api/generated/core-v1.js';

/**
 * Static-pod identity as the kubelet assigns it, so mirror pods, `crictl` labels and tooling
 * line up with what users know: suffixed name, default namespace, node binding, a content-derived
 * UID and the config.* annotations.
 */

export const ANNOTATION_CONFIG_HASH = 'kubernetes.io/config.hash';
export const ANNOTATION_CONFIG_SOURCE = 'kubernetes.io/config.source';
export const ANNOTATION_CONFIG_SEEN = 'kubernetes.io/config.seen';
export const DEFAULT_NAMESPACE = 'default';

export type SourceKind = 'file' | 'http';

/** Where a manifest came from: a file path or a URL. */
export interface SourceRef {
  kind: SourceKind;
  location: string;
}

export function sourceKey(ref: SourceRef): string {
  return `${ref.kind}:${ref.location}`;
}

export function staticPodName(name: string, nodeName: string): string {
  return `${name}-${nodeName.toLowerCase()}`;
}

/**
 * MD5 over the manifest's content, then the node and source, as the kubelet hashes: the same
 * content in the same place on the same node always yields the same UID, across restarts; any
 * content change yields a new one. Content is hashed in a canonical form (sorted keys), so
 * reformatting or reordering a file does not restart its pod.
 *
 * Unlike the kubelet, labels and annotations are left out: editing them keeps the pod (and its
 * containers) running and only refreshes what reads them (downwardAPI volume files). A manifest
 * without labels and annotations hashes exactly as before.
 */
export function staticPodUID(pod: unknown, nodeName: string, source: SourceRef): string {
  const h = createHash('md5');
  h.update(canonicalJSON(withoutLabelsAndAnnotations(pod)));
  if (source.kind === 'file') {
    h.update(`host:${nodeName}`);
    h.update(`file:${source.location}`);
  } else {
    h.update(`url:${source.location}`);
  }
  return h.digest('hex');
}

function withoutLabelsAndAnnotations(pod: unknown): unknown {
  if (pod === null || typeof pod !== 'object' || Array.isArray(pod)) return pod;
  const meta = (pod as { metadata?: unknown }).metadata;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return pod;
  const { labels: _labels, annotations: _annotations, ...rest } = meta as Record<string, unknown>;
  return { ...(pod as Record<string, unknown>), metadata: rest };
}

/** Returns a new Pod with the static identity applied; the input is not modified. */
export function applyStaticIdentity(raw: Pod, nodeName: string, source: SourceRef): Pod {
  const pod = structuredClone(raw);
  const meta = (pod.metadata ??= {});
  // A UID the manifest sets is kept; validation (rules/metadata) makes sure it can name directories.
  const uid = meta.uid || staticPodUID(raw, nodeName, source);
  meta.uid = uid;
  meta.name = staticPodName(meta.name ?? '', nodeName);
  if (!meta.namespace) meta.namespace = DEFAULT_NAMESPACE;
  const spec = (pod.spec ??= { containers: [] });
  spec.nodeName = nodeName;
  meta.annotations = { ...meta.annotations, [ANNOTATION_CONFIG_HASH]: uid, [ANNOTATION_CONFIG_SOURCE]: source.kind };
  if (source.kind === 'file') {
    // Static pods must survive node problems: tolerate every NoExecute taint, as the kubelet does.
    spec.tolerations = addToleration(spec.tolerations ?? [], { operator: 'Exists', effect: 'NoExecute' });
  }
  return pod;
}

/** The first-seen stamp, in Go's RFC3339Nano (trailing fractional zeros dropped). */
export function formatSeen(date: Date): string {
  return date.toISOString().replace(/\.?0+Z$/, 'Z');
}

function addToleration(list: Toleration[], t: Toleration): Toleration[] {
  const same = (a: Toleration): boolean =>
    (a.key ?? '') === (t.key ?? '') &&
    (a.operator ?? 'Equal') === t.operator &&
    (a.value ?? '') === (t.value ?? '') &&
    (a.effect ?? '') === (t.effect ?? '');
  return list.some(same) ? list : [...list, t];
}

/** JSON with object keys sorted at every level: equal values always give equal text. */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON(obj[k])}`).join(',')}}`;
}
