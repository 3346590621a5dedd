/**
 * Kubernetes OpenAPI definitions → the strict JSON Schema staticlet validates with.
 *
 * One conversion serves both schemas: scripts/gen-schemas.ts writes the bundled
 * `schemas/kubernetes-v1.36.json` with it, and the control plane turns a cluster's own document
 * (`/openapi/v3/api/v1` or `/openapi/v2`) into the same form at run time, so the two can only
 * differ where the clusters' APIs do.
 *
 * Only facts survive the translation (types, properties, required, enum, format, items, maps):
 * descriptions, defaults and patch-strategy extensions are dropped.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export const ROOT_DEFINITIONS = ['io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodList'] as const;
export const SCHEMA_ID_BASE = 'https://staticlet.invalid/schemas/';

export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/**
 * Formats the API server's decoder enforces (a Go int32 overflows, a metav1.Time must parse);
 * staticlet registers exactly these with ajv. Any other format an OpenAPI document names
 * (`byte`, `double`, ...) is documentation to the decoder, which takes any string or number,
 * so it is dropped rather than made a refusal.
 */
const ENFORCED_FORMATS = new Set(['int32', 'int64', 'date-time']);

/** The subset of an OpenAPI v2 or v3 schema object the conversion reads. */
export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: string[];
  required?: string[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  allOf?: OpenApiSchema[];
  'x-kubernetes-group-version-kind'?: Array<{ group?: string; version?: string; kind?: string }>;
}

export type Definitions = Record<string, OpenApiSchema>;

export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** v2 documents refer to `#/definitions/X`, v3 ones to `#/components/schemas/X`. */
export function refTarget(ref: string): string {
  for (const prefix of ['#/definitions/', '#/components/schemas/']) if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  throw new Error(`unsupported $ref ${ref}`);
}

/** Definitions reachable from the roots, in sorted order so the output never depends on traversal. */
export function closure(definitions: Definitions, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  // Own stack: a schema's nesting is the document's to choose.
  const stack: Array<OpenApiSchema | boolean | undefined> = [];
  const push = (name: string): void => {
    const def = Object.prototype.hasOwnProperty.call(definitions, name) ? definitions[name] : undefined;
    if (def === undefined) throw new Error(`dangling $ref to ${name}`);
    if (!seen.has(name)) {
      seen.add(name);
      stack.push(def);
    }
  };
  for (const r of roots) {
    if (!Object.prototype.hasOwnProperty.call(definitions, r)) throw new Error(`definition ${r} not found`);
    push(r);
  }
  while (stack.length > 0) {
    const s = stack.pop();
    if (s === undefined || typeof s === 'boolean') continue;
    if (s.$ref !== undefined) push(refTarget(s.$ref));
    for (const p of Object.values(s.properties ?? {})) stack.push(p);
    stack.push(s.items, s.additionalProperties);
    for (const a of s.allOf ?? []) stack.push(a);
  }
  const names = [...seen].sort();
  const shorts = new Map<string, string>();
  for (const n of names) {
    const prev = shorts.get(shortName(n));
    if (prev !== undefined) throw new Error(`short name collision: ${prev} and ${n}`);
    shorts.set(shortName(n), n);
  }
  return names;
}

function toJsonSchema(s: OpenApiSchema, where: string): JsonObject {
  if (s.$ref !== undefined) return { $ref: `#/definitions/${shortName(refTarget(s.$ref))}` };
  if (s.allOf !== undefined) {
    // Both versions wrap a lone $ref in allOf to attach a description (v3 also a default).
    if (s.allOf.length !== 1) throw new Error(`${where}: allOf with ${s.allOf.length} members`);
    return toJsonSchema(s.allOf[0]!, where);
  }
  const out: JsonObject = {};
  switch (s.type) {
    case 'object': {
      out.type = 'object';
      if (s.properties !== undefined) {
        const props: JsonObject = {};
        for (const [k, v] of Object.entries(s.properties)) props[k] = toJsonSchema(v, `${where}.${k}`);
        out.properties = props;
        if (s.required !== undefined && s.required.length > 0) out.required = [...s.required].sort();
        // Strict: unknown fields are errors, unlike the kubelet which drops them silently.
        out.additionalProperties = false;
      } else if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
        out.additionalProperties = toJsonSchema(s.additionalProperties, `${where}{}`);
      }
      // An object with neither (FieldsV1) is free-form JSON by definition.
      break;
    }
    case 'array':
      out.type = 'array';
      if (s.items === undefined) throw new Error(`${where}: array without items`);
      out.items = toJsonSchema(s.items, `${where}[]`);
      break;
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      out.type = s.type;
      if (s.format !== undefined && ENFORCED_FORMATS.has(s.format)) out.format = s.format;
      if (s.enum !== undefined) out.enum = [...s.enum].sort();
      break;
    default:
      throw new Error(`${where}: unsupported type ${String(s.type)}`);
  }
  return out;
}

function definitionSchema(fullName: string, s: OpenApiSchema): JsonObject {
  // Quantity and IntOrString are declared as plain strings in the OpenAPI document but accept
  // JSON numbers too; their own formats (registered in ajv) check the content.
  if (fullName === QUANTITY) return { type: ['string', 'number'], format: 'quantity' };
  if (fullName === INT_OR_STRING) return { type: ['integer', 'string'], format: 'int-or-string' };
  return toJsonSchema(s, shortName(fullName));
}

export function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
    return out;
  }
  return v;
}

/** The schema document (draft-07, keys sorted) for the roots and everything they reference. */
export function buildSchemaDocument(definitions: Definitions, names: readonly string[], meta: { id: string; comment: string }): JsonObject {
  const defs: JsonObject = {};
  for (const n of names) defs[shortName(n)] = definitionSchema(n, definitions[n]!);
  return sortKeys({ $schema: 'http://json-schema.org/draft-07/schema#', $id: meta.id, $comment: meta.comment, definitions: defs }) as JsonObject;
}

/** The definitions of an OpenAPI v2 (`definitions`) or v3 (`components.schemas`) document. */
export function definitionsOf(doc: unknown): Definitions | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const d = doc as { definitions?: unknown; components?: { schemas?: unknown } };
  const defs = d.definitions ?? d.components?.schemas;
  return defs !== null && typeof defs === 'object' && !Array.isArray(defs) ? (defs as Definitions) : undefined;
}

/**
 * The names of core/v1 Pod and PodList in a cluster's document: found by their
 * group-version-kind extension (how clients look types up), else by the usual names.
 */
export function podRoots(defs: Definitions): [string, string] {
  const byKind = (kind: string, usual: string): string => {
    for (const [name, s] of Object.entries(defs)) {
      const gvks = s['x-kubernetes-group-version-kind'];
      if (Array.isArray(gvks) && gvks.some((g) => (g.group ?? '') === '' && g.version === 'v1' && g.kind === kind)) return name;
    }
    if (Object.prototype.hasOwnProperty.call(defs, usual)) return usual;
    throw new Error(`no definition of v1 ${kind}`);
  };
  return [byKind('Pod', ROOT_DEFINITIONS[0]), byKind('PodList', ROOT_DEFINITIONS[1])];
}
