import { createHash } from 'node:crypto';
import type { Container, Pod } from '../api/generated/core-v1.js';
import { canonicalJSON } from '../config/identity.js';

/**
 * Hash of a container's spec, stored on the runtime container. A running container whose hash
 * no longer matches is replaced; an adopted one whose hash matches is left alone. Bump the
 * version when the container-to-CRI mapping changes in a way that needs a recreate.
 */
const HASH_VERSION = 'v1';

/** Desired pods are immutable once accepted, so a hash per Container object is enough. */
const cache = new WeakMap<Container, string>();

const METADATA_REF = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/**
 * A label or annotation edit keeps the pod (see config/identity.ts), but an environment variable
 * cannot change in a running process: a container whose env reads an edited label or annotation
 * is replaced, so that it sees the new value as it would after the kubelet's restart. Other
 * containers are untouched.
 */
export function containerHash(c: Container, pod?: Pod): string {
  let h = cache.get(c);
  if (h === undefined) {
    h = createHash('sha256').update(HASH_VERSION).update(canonicalJSON(c)).digest('hex').slice(0, 16);
    cache.set(c, h);
  }
  const meta = pod?.metadata;
  const read: string[] = [];
  for (const e of c.env ?? []) {
    const m = METADATA_REF.exec(e.valueFrom?.fieldRef?.fieldPath ?? '');
    if (m) read.push(`${m[1]}[${m[2]}]=${(m[1] === 'labels' ? meta?.labels : meta?.annotations)?.[m[2]!] ?? ''}`);
  }
  return read.length === 0 ? h : createHash('sha256').update(h).update(read.join('\n')).digest('hex').slice(0, 16);
}
