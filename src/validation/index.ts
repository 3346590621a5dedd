/**
 * Pod validation: structural (the generated JSON Schema) then semantic (API-server rules and
 * static-pod restrictions). Paths are relative to the pod's root; callers add file and document
 * context (and `items[i].` for PodLists).
 */
import type { Pod } from '../api/generated/core-v1.js';
import type { FieldError } from './types.js';
import { schemaErrors as structural, sortErrors, stripNulls, type RootKind } from './schema.js';
import { runRules } from './semantic.js';
import { imageReferenceProblem } from './image-reference.js';
import type { ValidationOptions } from './rules/context.js';

export type { FieldError } from './types.js';
export type { ValidationOptions } from './rules/context.js';
export { KUBERNETES_VERSION, stripNulls, comparePaths } from './schema.js';
export { STATIC_POD_REASON } from './rules/static-pod.js';
export { parseQuantity, compareQuantities, scaledValue, ceilDiv, type Quantity } from './quantity.js';
export { overlaps } from './path.js';

/** Structural errors of a raw document (unknown fields, wrong types, bad formats); [] when valid. */
export function schemaErrors(doc: unknown, kind: RootKind): FieldError[] {
  return structural(doc, kind);
}

/** Semantic errors of a schema-valid pod, sorted by path. Never throws on odd input. */
export function semanticErrors(pod: Pod, options: ValidationOptions = {}): FieldError[] {
  return sortErrors(runRules(stripNulls(pod), options));
}

/** Everything wrong with a raw pod document: schema first, semantic rules only if it passed. */
export function validatePod(pod: unknown, options: ValidationOptions = {}): FieldError[] {
  const doc = stripNulls(pod);
  const errs = structural(doc, 'Pod');
  if (errs.length > 0) return errs;
  return sortErrors(runRules(doc as Pod, options));
}

/**
 * What the API server accepts but the runtime will surely refuse: the manifest is accepted, as
 * the kubelet would, and the warning says why its container will not start. Sorted by path.
 */
export function semanticWarnings(pod: Pod): FieldError[] {
  const out: FieldError[] = [];
  const spec = pod.spec;
  const groups = [['initContainers', spec?.initContainers], ['containers', spec?.containers]] as const;
  for (const [name, list] of groups) {
    (list ?? []).forEach((c, i) => {
      if (typeof c.image !== 'string' || c.image === '' || c.image.trim() !== c.image) return;
      const problem = imageReferenceProblem(c.image);
      if (problem) out.push({ path: `spec.${name}[${i}].image`, message: `${JSON.stringify(c.image)} is not a valid image reference (${problem}): the runtime will refuse it and the container will wait with InvalidImageName` });
    });
  }
  return sortErrors(out);
}
