import { isDeepStrictEqual } from 'node:util';

/**
 * Two-way strategic merge patches, as the kubelet sends its status updates: the smallest body
 * that turns `original` into `modified` under the patch strategies Kubernetes' types declare.
 * Maps are merged key by key (a removed key becomes null); a list with a merge key is merged
 * element by element (changed elements carry their key, removed ones `$patch: delete`, and
 * `$setElementOrder/<field>` keeps the order); every other list is replaced whole.
 */
export interface PatchStrategies {
  /** Dotted field path (no indices) → merge key, e.g. `status.conditions` → `type`. */
  mergeKeys: Readonly<Record<string, string>>;
  /**
   * Lists sent whole with a `{"$patch": "replace"}` element when they change: the kubelet does
   * this for node addresses, whose declared merge key (`type`) does not identify an address.
   */
  replaceLists?: ReadonlySet<string>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The patch, or undefined when nothing differs. */
export function twoWayMergePatch(original: unknown, modified: unknown, strategies: PatchStrategies): Obj | undefined {
  if (!isObj(original) || !isObj(modified)) throw new TypeError('a strategic merge patch is made between two objects');
  return diffObject(original, modified, '', strategies);
}

function diffObject(a: Obj, b: Obj, path: string, s: PatchStrategies): Obj | undefined {
  const out: Obj = {};
  for (const [k, bv] of Object.entries(b)) {
    if (bv === undefined) continue;
    const field = path ? `${path}.${k}` : k;
    const av = a[k];
    if (av === undefined) {
      out[k] = bv;
    } else if (isObj(av) && isObj(bv)) {
      const d = diffObject(av, bv, field, s);
      if (d) out[k] = d;
    } else if (Array.isArray(av) && Array.isArray(bv)) {
      diffList(av, bv, field, k, s, out);
    } else if (!isDeepStrictEqual(av, bv)) {
      out[k] = bv;
    }
  }
  for (const k of Object.keys(a)) if (a[k] !== undefined && b[k] === undefined) out[k] = null;
  return Object.keys(out).length > 0 ? out : undefined;
}

function diffList(a: unknown[], b: unknown[], field: string, name: string, s: PatchStrategies, out: Obj): void {
  if (isDeepStrictEqual(a, b)) return;
  const key = s.mergeKeys[field];
  if (s.replaceLists?.has(field)) {
    out[name] = [...b, { $patch: 'replace' }];
    return;
  }
  if (key === undefined || ![...a, ...b].every((e) => isObj(e) && e[key] !== undefined)) {
    out[name] = b;
    return;
  }
  const before = new Map((a as Obj[]).map((e) => [JSON.stringify(e[key]), e]));
  const after = new Set((b as Obj[]).map((e) => JSON.stringify(e[key])));
  const elements: Obj[] = [];
  for (const e of b as Obj[]) {
    const old = before.get(JSON.stringify(e[key]));
    if (old === undefined) {
      elements.push(e);
      continue;
    }
    const d = diffObject(old, e, field, s);
    if (d) elements.push({ ...d, [key]: e[key] });
  }
  for (const [id, e] of before) if (!after.has(id)) elements.push({ [key]: e[key], $patch: 'delete' });
  if (elements.length > 0) out[name] = elements;
  out[`$setElementOrder/${name}`] = (b as Obj[]).map((e) => ({ [key]: e[key] }));
}

/** The patch strategies of a Node's status, as declared by Kubernetes' types. */
export const NODE_STATUS_STRATEGIES: PatchStrategies = {
  mergeKeys: { 'status.conditions': 'type', 'status.addresses': 'type', 'metadata.ownerReferences': 'uid', 'spec.taints': 'key' },
  replaceLists: new Set(['status.addresses']),
};
