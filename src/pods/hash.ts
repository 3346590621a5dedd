import { createHash } from 'node:crypto';
import type { Container } from '../api/generated/core-v1.js';
import { canonicalJSON } from '../config/identity.js';

/**
 * Hash of a container's spec, stored on the runtime container. A running container whose hash
 * no longer matches is replaced; an adopted one whose hash matches is left alone. Bump the
 * version when the container-to-CRI mapping changes in a way that needs a recreate.
 */
const HASH_VERSION = 'v1';

/** Desired pods are immutable once accepted, so a hash per Container object is enough. */
const cache = new WeakMap<Container, string>();

export function containerHash(c: Container): string {
  let h = cache.get(c);
  if (h === undefined) {
    h = createHash('sha256').update(HASH_VERSION).update(canonicalJSON(c)).digest('hex').slice(0, 16);
    cache.set(c, h);
  }
  return h;
}
