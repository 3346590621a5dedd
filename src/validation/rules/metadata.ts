/**
 * ObjectMeta rules the API server applies to pods (ValidateObjectMeta with pod name rules), and
 * one of staticlet's own: a UID the manifest sets must be able to name the pod's directories.
 */
import { isSafePathComponent, SAFE_PATH_COMPONENT_RULE } from '../../lib/path-component.js';
import { dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from '../names.js';
import { key } from '../path.js';
import { addAll, entries, isObject, type RuleContext } from './context.js';

/** Total size of all annotation keys and values, in bytes (TotalAnnotationSizeLimitB). */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

export function validateLabels(ctx: RuleContext, path: string, labels: Record<string, string> | undefined): void {
  for (const [k, v] of entries(labels)) {
    addAll(ctx, key(path, k), qualifiedName(k));
    if (typeof v === 'string') addAll(ctx, key(path, k), labelValue(v));
  }
}

export function checkMetadata(ctx: RuleContext): void {
  const meta = ctx.pod.metadata;
  if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') {
    ctx.add('metadata.name', 'name is required');
  } else {
    addAll(ctx, 'metadata.name', dns1123Subdomain(meta.name));
  }
  if (!isObject(meta)) return;
  // Absent or empty means "default" for a static pod; anything else must be a namespace name.
  if (typeof meta.namespace === 'string' && meta.namespace !== '') {
    addAll(ctx, 'metadata.namespace', dns1123Label(meta.namespace));
  }
  // The API server replaces a client's UID; a static pod keeps it, and it becomes a directory
  // name (volumes, /etc/hosts, logs), so "../x" would put those outside their roots.
  if (typeof meta.uid === 'string' && meta.uid !== '' && !isSafePathComponent(meta.uid)) {
    ctx.add('metadata.uid', `${SAFE_PATH_COMPONENT_RULE} (it names the pod's directories)`);
  }
  validateLabels(ctx, 'metadata.labels', meta.labels);
  let size = 0;
  for (const [k, v] of entries(meta.annotations)) {
    // Annotation keys are checked case-insensitively, unlike label keys.
    addAll(ctx, key('metadata.annotations', k), qualifiedName(k.toLowerCase()));
    size += Buffer.byteLength(k, 'utf8') + (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  }
  if (size > ANNOTATIONS_MAX_BYTES) {
    ctx.add('metadata.annotations', `may not have more than ${ANNOTATIONS_MAX_BYTES} bytes in total (keys and values), has ${size}`);
  }
}
