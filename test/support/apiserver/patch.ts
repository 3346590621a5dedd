// PATCH bodies by content type: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic
// merge patch. Server-side apply (`application/apply-patch+yaml`) is not served.
import { badRequest, unprocessable, unsupportedMediaType } from './status.js';
import { strategicMergePatch } from './strategic-merge.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject } from './types.js';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;

export function applyPatch(contentType: string, original: JsonObject, body: string, schemaType: string): JsonObject {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (!(PATCH_TYPES as readonly string[]).includes(type)) throw unsupportedMediaType(type, [...PATCH_TYPES]);
  let patch: Json;
  try {
    patch = JSON.parse(body) as Json;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  let out: Json;
  if (type === 'application/merge-patch+json') out = mergePatch(original, patch);
  else if (type === 'application/json-patch+json') out = jsonPatch(original, patch);
  else out = strategicMergePatch(original, patch, schemaType);
  if (!isObject(out)) throw badRequest('the patch did not result in an object');
  return out;
}

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`JSON pointer must be empty or start with a "/": ${path}`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parent(doc: Json, parts: string[], path: string): { container: Json; key: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (next === undefined) throw unprocessable(`doc is missing path: "${path}": missing value`);
    cur = next;
  }
  return { container: cur, key: parts[parts.length - 1]! };
}

function index(arr: Json[], key: string, path: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw unprocessable(`invalid array index "${key}" in "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw unprocessable(`array index out of bounds in "${path}"`);
  return i;
}

function get(doc: Json, path: string): Json {
  let cur: Json | undefined = doc;
  for (const p of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw unprocessable(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function remove(doc: Json, path: string): Json {
  const parts = pointer(path);
  if (parts.length === 0) throw unprocessable('cannot remove the whole document');
  const { container, key } = parent(doc, parts, path);
  if (Array.isArray(container)) return container.splice(index(container, key, path, false), 1)[0]!;
  if (!isObject(container) || !(key in container)) throw unprocessable(`doc is missing path: "${path}": missing value`);
  const v = container[key]!;
  delete container[key];
  return v;
}

function add(doc: Json, path: string, value: Json, replace: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { container, key } = parent(doc, parts, path);
  if (Array.isArray(container)) {
    const i = index(container, key, path, !replace);
    container.splice(i, replace ? 1 : 0, value);
  } else if (isObject(container)) {
    if (replace && !(key in container)) throw unprocessable(`doc is missing key: "${path}": missing value`);
    container[key] = value;
  } else throw unprocessable(`doc is missing path: "${path}": missing value`);
  return doc;
}

export function jsonPatch(original: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(original);
  for (const raw of patch) {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') throw badRequest(`invalid JSON patch operation: ${JSON.stringify(raw)}`);
    const op = raw as unknown as Operation;
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value ?? null), false);
        break;
      case 'replace':
        doc = add(doc, op.path, clone(op.value ?? null), true);
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'move': {
        const v = remove(doc, op.from ?? '');
        doc = add(doc, op.path, v, false);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, clone(get(doc, op.from ?? '')), false);
        break;
      case 'test':
        if (!jsonEqual(get(doc, op.path), op.value ?? null)) throw unprocessable(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
