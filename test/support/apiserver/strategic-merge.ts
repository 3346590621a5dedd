// Strategic merge patch, applied as the API server applies `application/strategic-merge-patch+json`
// to a built-in kind: maps merge key by key (null deletes), lists with a `merge` strategy merge
// element by element (by their merge key, or as a set of scalars), every other list is replaced.
// Directives: `$patch: replace|delete` on maps and list elements, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`. Element order after a merge
// follows the upstream rule: patch items in patch (or $setElementOrder) order, interleaved with the
// server-only items by their positions in the live list.
import { ApiError, badRequest, statusBody } from './status.js';
import { fieldMeta, type FieldPatchMeta } from './patch-meta.js';
import { clone, isObject, type Json, type JsonObject } from './types.js';

const MARKER = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_PREFIX = '$deleteFromPrimitiveList/';
const ORDER_PREFIX = '$setElementOrder/';

/** Errors the API server reports as 500 (it has no better class for them). */
function internal(message: string): ApiError {
  return new ApiError(statusBody(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }));
}

function describe(v: Json): string {
  return JSON.stringify(v);
}

export function strategicMergePatch(original: JsonObject, patch: Json, type: string): JsonObject {
  if (!isObject(patch)) throw badRequest('invalid JSON document');
  const merged = mergeMap(clone(original), clone(patch), type);
  return stripDirectives(merged) as JsonObject;
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, type: string | undefined): JsonObject {
  if (MARKER in patch) {
    const d = patch[MARKER];
    if (d === 'replace') {
      delete patch[MARKER];
      return patch;
    }
    if (d === 'delete') return {};
    throw badRequest(`Unknown patch type: ${describe(d ?? null)} in map: ${describe(patch)}`);
  }
  const out: JsonObject = original ?? {};
  applyRetainKeys(out, patch);
  applyElementOrders(out, patch, type);
  for (const [rawKey, patchV] of Object.entries(patch)) {
    if (rawKey.startsWith(DELETE_PREFIX)) {
      const key = rawKey.slice(DELETE_PREFIX.length);
      if (!key) throw badRequest('invalid patch: $deleteFromPrimitiveList needs a field name');
      if (!Array.isArray(patchV)) throw badRequest(`invalid patch: ${rawKey} must be a list`);
      const cur = out[key];
      if (Array.isArray(cur)) out[key] = cur.filter((v) => !patchV.some((d) => d === v));
      continue;
    }
    const key = rawKey;
    if (patchV === null) {
      delete out[key];
      continue;
    }
    const meta = fieldMeta(type, key);
    const cur = out[key];
    if (cur === undefined || cur === null) {
      // A field new to the object still has its directives applied (against an empty value), so
      // that `$patch` markers never end up stored.
      out[key] = Array.isArray(patchV) ? mergeList([], patchV, meta) : isObject(patchV) ? mergeMap(undefined, patchV, meta.type) : patchV;
      continue;
    }
    if (Array.isArray(cur) && Array.isArray(patchV)) out[key] = mergeList(cur, patchV, meta);
    else if (isObject(cur) && isObject(patchV)) out[key] = mergeMap(cur, patchV, meta.type);
    else out[key] = patchV;
  }
  return out;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) throw badRequest('invalid patch: $retainKeys must be a list of field names');
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PREFIX) || k.startsWith(ORDER_PREFIX) || k === MARKER) continue;
    if (!keys.includes(k)) throw badRequest(`invalid patch: the field ${JSON.stringify(k)} is not in $retainKeys`);
  }
  for (const k of Object.keys(original)) if (!keys.includes(k)) delete original[k];
}

function applyElementOrders(original: JsonObject, patch: JsonObject, type: string | undefined): void {
  for (const orderKey of Object.keys(patch)) {
    if (!orderKey.startsWith(ORDER_PREFIX)) continue;
    const order = patch[orderKey];
    delete patch[orderKey];
    const key = orderKey.slice(ORDER_PREFIX.length);
    if (!key || !Array.isArray(order)) throw badRequest('invalid patch: $setElementOrder must name a field and be a list');
    const meta = fieldMeta(type, key);
    const cur = original[key];
    const patchList = patch[key];
    if (cur !== undefined && !Array.isArray(cur)) throw badRequest(`invalid patch: ${key} is not a list`);
    if (patchList !== undefined && patchList !== null && !Array.isArray(patchList)) throw badRequest(`invalid patch: ${key} is not a list`);
    checkOrderAgainstPatch(Array.isArray(patchList) ? patchList : [], order, meta.mergeKey);
    let merged: Json[];
    if (cur === undefined && !Array.isArray(patchList)) continue;
    if (cur !== undefined && Array.isArray(patchList)) merged = mergeList(cur, patchList, meta);
    else merged = Array.isArray(patchList) ? mergeList([], patchList, meta) : (cur as Json[]);
    if (meta.strategy?.startsWith('merge')) {
      const inOrder = (item: Json) => indexIn(order, item, meta.mergeKey) >= 0;
      merged = interleave(merged.filter(inOrder), merged.filter((i) => !inOrder(i)), order, Array.isArray(cur) ? cur : [], meta.mergeKey);
    }
    original[key] = merged;
    delete patch[key];
  }
}

/** The patch's own items must follow the order the directive gives them (deletions aside). */
function checkOrderAgainstPatch(patchList: Json[], order: Json[], mergeKey: string | undefined): void {
  let at = 0;
  for (const item of patchList) {
    if (isObject(item) && MARKER in item) continue;
    const i = indexIn(order, item, mergeKey);
    if (i < at) throw badRequest(`The order in patch list: ${describe(patchList)} doesn't match $setElementOrder list: ${describe(order)}`);
    at = i;
  }
}

function keyOf(item: Json, mergeKey: string | undefined): Json | undefined {
  if (!mergeKey) return item;
  return isObject(item) ? item[mergeKey] : undefined;
}

function indexIn(list: Json[], item: Json, mergeKey: string | undefined): number {
  const k = keyOf(item, mergeKey);
  return list.findIndex((x) => keyOf(x, mergeKey) === k);
}

function mergeList(original: Json[], patch: Json[], meta: FieldPatchMeta): Json[] {
  if (!meta.strategy?.startsWith('merge')) return patch;
  if (original.length === 0 && patch.length === 0) return original;
  const all = [...original, ...patch];
  if (all.some(Array.isArray)) throw new ApiError(statusBody(422, 'Invalid', 'lists of lists are not supported'));
  const maps = all.some(isObject);
  if (maps && all.some((v) => !isObject(v))) throw internal(`list element types are not identical: ${describe(all)}`);
  if (!maps) {
    const merged = [...original];
    for (const v of patch) if (!merged.some((x) => x === v)) merged.push(v);
    const inPatch = (v: Json) => patch.some((p) => p === v);
    return interleave(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), patch, original, undefined);
  }
  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw internal(`cannot merge lists without merge key for type map`);
  let live = original as JsonObject[];
  const items: JsonObject[] = [];
  let replace = false;
  for (const p of patch as JsonObject[]) {
    if (!(MARKER in p)) {
      items.push(p);
      continue;
    }
    const d = p[MARKER];
    if (d === 'delete') {
      if (!(mergeKey in p)) throw internal(`map: ${describe(p)} does not contain declared merge key: ${mergeKey}`);
      live = live.filter((o) => o[mergeKey] !== p[mergeKey]);
    } else if (d === 'replace') replace = true;
    else if (d === 'merge') throw internal('merging lists cannot yet be specified in the patch');
    else throw badRequest(`Unknown patch type: ${describe(d ?? null)} in map: ${describe(p)}`);
  }
  if (replace) return items;
  const merged = [...live];
  for (const p of items) {
    if (!(mergeKey in p)) throw internal(`map: ${describe(p)} does not contain declared merge key: ${mergeKey}`);
    const at = merged.findIndex((o) => o[mergeKey] === p[mergeKey]);
    if (at >= 0) merged[at] = mergeMap(merged[at], p, meta.type);
    else merged.push(mergeMap(undefined, p, meta.type));
  }
  const inPatch = (v: JsonObject) => items.some((p) => p[mergeKey] === v[mergeKey]);
  return interleave(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), items, original, mergeKey);
}

/**
 * Patch items sorted by `patchOrder`, server-only items by `serverOrder`, then merged: a server-only
 * item goes first only when both it and the next patch item are in the live list and it stood
 * before that item there.
 */
function interleave(patchItems: Json[], serverOnly: Json[], patchOrder: Json[], serverOrder: Json[], mergeKey: string | undefined): Json[] {
  const byOrder = (order: Json[]) => (a: Json, b: Json) => indexIn(order, a, mergeKey) - indexIn(order, b, mergeKey);
  const right = [...patchItems].sort(byOrder(patchOrder));
  const left = [...serverOnly].sort(byOrder(serverOrder));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]!);
    else if (i >= left.length) out.push(right[j++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey);
      const ri = indexIn(serverOrder, right[j]!, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

/** Directives left in values that replaced whole fields are dropped, as decoding into a typed object would. */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && Object.keys(x).every((k) => k.startsWith('$')))).map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}
