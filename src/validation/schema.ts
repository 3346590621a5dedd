/**
 * Structural validation against the generated JSON Schema (schemas/kubernetes-v1.36.json).
 *
 * The schema is strict where the API server's strict field validation is: unknown fields are
 * errors, not silently dropped as the kubelet does. The bundled schema's validators are generated
 * at build time by ajv (generated/, from compile.ts's configuration), so no ajv compile runs at
 * start; a cluster's schema is compiled at run time by compile.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { validators as generatedValidators } from './generated/kubernetes-v1.36.js';
import { collectRoundingWarnings, INT32_MAX, INT32_MIN, quote } from './schema-formats.js';
import { field, index, key } from './path.js';
import { nearestName } from './suggest.js';
import { seaAssetText } from '../lib/package-files.js';
import type { FieldError } from './types.js';

export const KUBERNETES_VERSION = '1.36';
const SCHEMA_FILE = `kubernetes-v${KUBERNETES_VERSION}.json`;

export type RootKind = 'Pod' | 'PodList';

export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
}

export interface SchemaDocument {
  $id: string;
  definitions: Record<string, SchemaNode>;
}

/**
 * Compiled once (dist/src/validation → ../../../schemas); the second candidate serves runs from
 * the TypeScript sources (src/validation → ../../schemas). Both layouts ship `schemas/` next to
 * the code, including an installed package (see "files" in package.json).
 */
function loadSchema(): SchemaDocument {
  const asset = seaAssetText(`schemas/${SCHEMA_FILE}`);
  if (asset !== undefined) return JSON.parse(asset) as SchemaDocument;
  const candidates = [
    new URL(`../../../schemas/${SCHEMA_FILE}`, import.meta.url),
    new URL(`../../schemas/${SCHEMA_FILE}`, import.meta.url),
  ];
  for (const url of candidates) {
    const p = fileURLToPath(url);
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as SchemaDocument;
  }
  throw new Error(`schema ${SCHEMA_FILE} not found next to the staticlet package (looked in ${candidates.map((u) => fileURLToPath(u)).join(', ')})`);
}

/**
 * A compiled Pod schema: the bundled one, or a cluster's own (converted by openapi.ts). The
 * config pipeline holds one at a time (config/schema-provider.ts) and validates with it.
 */
export interface CompiledSchema {
  /** 'bundled': schemas/kubernetes-v1.36.json; 'cluster': the API server's own OpenAPI document. */
  readonly origin: 'bundled' | 'cluster';
  /** For messages and logs: `the bundled Kubernetes 1.36 schema`, `the cluster's schema (v1.35.2)`. */
  readonly label: string;
  /** Differs between schemas of different content: a verdict cached under one is redone under another. */
  readonly id: string;
  /** Structural errors (refusals) and warnings of a raw document against the Pod or PodList definition. */
  check(doc: unknown, kind: RootKind): SchemaVerdict;
}

export interface SchemaVerdict {
  errors: FieldError[];
  /** Values the API server's decoder changes instead of refusing (a quantity rounded up to 1n). */
  warnings: FieldError[];
}

export interface SchemaMeta {
  origin: CompiledSchema['origin'];
  label: string;
  id: string;
}

/**
 * One root definition's validator, as ajv makes it (compile.ts at run time) or writes it out
 * (generated/, at build time): a verdict, and on refusal its errors (verbose: with data and
 * parentSchema).
 */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/**
 * The checks of a schema, from its validators and the document they were made from (which
 * renders error paths and names the fields an object knows).
 */
export function makeCompiledSchema(schema: SchemaDocument, meta: SchemaMeta, validators: Readonly<Record<RootKind, SchemaValidator>>): CompiledSchema {
  return {
    ...meta,
    check(doc: unknown, kind: RootKind): SchemaVerdict {
      const validate = validators[kind];
      const { result: ok, warnings } = collectRoundingWarnings(() => validate(stripNulls(doc)));
      const found = warnings.map((w) => ({ path: renderPath(schema, kind, w.path), message: w.message }));
      if (ok) return { errors: [], warnings: sortErrors(found) };
      const raw = validate.errors ?? [];
      // A value of the wrong type also fails the enum or the format meant for the right type
      // (1.5 as an int-or-string fails int32 too): the type error alone says it.
      const typed = new Set(raw.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
      const relevant = raw.filter((e) => !((e.keyword === 'format' || e.keyword === 'enum') && typed.has(e.instancePath)));
      const suffix = meta.origin === 'cluster' ? ` (${meta.label})` : '';
      return { errors: sortErrors(relevant.map((e) => convert(schema, kind, e)).map((e) => ({ path: e.path, message: `${e.message}${suffix}` }))), warnings: sortErrors(found) };
    },
  };
}

let bundled: CompiledSchema | undefined;

/**
 * The bundled Kubernetes 1.36 schema. Its document is read on the first check, not when it is
 * named: the pipeline asks for the current schema's id for every manifest (its verdict cache),
 * and a manifest refused before validation (too many documents, an alias bomb) needs no schema.
 */
export function bundledSchema(): CompiledSchema {
  if (bundled) return bundled;
  const meta = { origin: 'bundled' as const, label: `the bundled Kubernetes ${KUBERNETES_VERSION} schema`, id: `bundled-${KUBERNETES_VERSION}` };
  let ready: CompiledSchema | undefined;
  bundled = {
    ...meta,
    check(doc, kind) {
      // The validators are ready functions (generated at build time from this schema by
      // scripts/gen-validators.ts); the document itself is read for messages only.
      ready ??= makeCompiledSchema(loadSchema(), meta, generatedValidators);
      return ready.check(doc, kind);
    },
  };
  return bundled;
}

// ---------------------------------------------------------------------------------------------
// null handling
// ---------------------------------------------------------------------------------------------

/**
 * Walks keep their own stack and visit each object once: the nesting of a document is the
 * author's to choose, and YAML aliases make shared (and, unless decode refused them, cyclic)
 * structures, which a recursive walk would follow forever or expand once per reference.
 */
function containsNullProperty(root: unknown): boolean {
  if (root === null || typeof root !== 'object') return false;
  const seen = new Set<object>([root]);
  const stack: object[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    const values: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const x of values) {
      if (x === null) {
        if (!Array.isArray(v)) return true;
      } else if (typeof x === 'object' && !seen.has(x)) {
        seen.add(x);
        stack.push(x);
      }
    }
  }
  return false;
}

/** A copy keeps the input's shape: a shared object is copied once, and a cycle stays a cycle. */
function copyWithoutNulls(root: unknown): unknown {
  if (root === null || typeof root !== 'object') return root;
  const copies = new Map<object, unknown[] | Record<string, unknown>>();
  const pending: object[] = [];
  const copyOf = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') return x;
    let c = copies.get(x);
    if (c === undefined) {
      c = Array.isArray(x) ? [] : {};
      copies.set(x, c);
      pending.push(x);
    }
    return c;
  };
  const out = copyOf(root);
  while (pending.length > 0) {
    const src = pending.pop()!;
    const dst = copies.get(src)!;
    if (Array.isArray(src)) for (const x of src) (dst as unknown[]).push(copyOf(x));
    else for (const [k, x] of Object.entries(src)) if (x !== null) setOwn(dst as Record<string, unknown>, k, copyOf(x));
  }
  return out;
}

/**
 * `o[k] = v`, except that a `__proto__` key stays an own property: assigned, it would set the
 * copy's prototype, so the key would vanish from validation (no longer an unknown field) and
 * its contents would read as inherited fields.
 */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/**
 * Drops object properties whose value is null. Kubernetes' JSON decoding treats `field: null`
 * as absent, and YAML writes it for every empty key (`creationTimestamp: null`, `env:`), so
 * refusing it would reject manifests the kubelet runs. Returns the input itself when there is
 * nothing to drop, so the common case costs one read-only walk.
 */
export function stripNulls<T>(doc: T): T {
  return containsNullProperty(doc) ? (copyWithoutNulls(doc) as T) : doc;
}

// ---------------------------------------------------------------------------------------------
// error conversion
// ---------------------------------------------------------------------------------------------

function decodePointer(seg: string): string {
  return seg.replace(/~1/g, '/').replace(/~0/g, '~');
}

function deref(schema: SchemaDocument, node: SchemaNode | undefined): SchemaNode | undefined {
  let n = node;
  for (let guard = 0; n?.$ref !== undefined && guard < 16; guard++) {
    n = schema.definitions[n.$ref.slice('#/definitions/'.length)];
  }
  return n;
}

/**
 * Renders an ajv instancePath (JSON pointer) in field.Path notation. Walking the schema tells a
 * struct field (`.name`) from a map key (`[cpu]`), which the pointer alone cannot.
 */
function renderPath(schema: SchemaDocument, root: RootKind, pointer: string): string {
  if (pointer === '') return '';
  let node = deref(schema, schema.definitions[root]);
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = decodePointer(raw);
    const props = node?.properties;
    if (props !== undefined && Object.prototype.hasOwnProperty.call(props, seg)) {
      path = field(path, seg);
      node = deref(schema, props[seg]);
    } else if (node?.items !== undefined) {
      path = index(path, Number(seg));
      node = deref(schema, node.items);
    } else if (node !== undefined && typeof node.additionalProperties === 'object') {
      path = key(path, seg);
      node = deref(schema, node.additionalProperties);
    } else {
      // Beyond the schema (inside an unknown field): best effort.
      path = /^\d+$/.test(seg) ? index(path, Number(seg)) : field(path, seg);
      node = undefined;
    }
  }
  return path;
}

function typeMessage(e: ErrorObject): string {
  if (e.schemaPath.startsWith('#/definitions/Quantity/')) return 'must be a quantity, a string or a number (e.g. "500m", "1Gi")';
  if (e.schemaPath.startsWith('#/definitions/IntOrString/')) return 'must be an integer or a string';
  const t = (e.params as { type?: string | string[] }).type;
  const types = Array.isArray(t) ? t : typeof t === 'string' ? t.split(',') : [];
  const article = (x: string): string => (x === 'integer' || x === 'object' || x === 'array' ? `an ${x}` : `a ${x}`);
  return `must be ${types.map(article).join(' or ')}`;
}

function formatMessage(e: ErrorObject): string {
  const f = (e.params as { format?: string }).format;
  switch (f) {
    case 'int32':
    case 'int-or-string':
      return `must be a 32-bit integer (between ${INT32_MIN} and ${INT32_MAX})`;
    case 'int64':
      return 'must be a 64-bit integer';
    case 'quantity':
      return `invalid quantity ${quote(e.data)}: must be a number with an optional suffix (e.g. "500m", "1.5Gi", "1e3")`;
    case 'date-time':
      return `must be an RFC 3339 date-time (e.g. "2006-01-02T15:04:05Z"), got ${quote(e.data)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

function convert(schema: SchemaDocument, root: RootKind, e: ErrorObject): FieldError {
  const at = (pointer: string): string => renderPath(schema, root, pointer);
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      // ajv runs verbose: the object schema that refused the field lists the names it knows.
      const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      const guess = nearestName(name, known);
      return { path: field(at(e.instancePath), name), message: `unknown field ${quote(name)}${guess === undefined ? '' : `, did you mean ${quote(guess)}?`}` };
    }
    case 'required': {
      const name = (e.params as { missingProperty: string }).missingProperty;
      return { path: field(at(e.instancePath), name), message: 'required value' };
    }
    case 'type':
      return { path: at(e.instancePath), message: typeMessage(e) };
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(quote).join(', ');
      return { path: at(e.instancePath), message: `unsupported value ${quote(e.data)}: supported values: ${allowed}` };
    }
    case 'format':
      return { path: at(e.instancePath), message: formatMessage(e) };
    default:
      return { path: at(e.instancePath), message: e.message ?? 'is invalid' };
  }
}

/** Natural order: `containers[2]` before `containers[10]`; ties keep insertion order (stable sort). */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === a.length || i === b.length) return a.length - b.length;
  // Back up to the start of a shared digit run, then compare whole numbers.
  let s = i;
  while (s > 0 && isDigit(a.charCodeAt(s - 1))) s--;
  if (isDigit(a.charCodeAt(s)) && isDigit(b.charCodeAt(s))) {
    let ea = s;
    while (ea < a.length && isDigit(a.charCodeAt(ea))) ea++;
    let eb = s;
    while (eb < b.length && isDigit(b.charCodeAt(eb))) eb++;
    if (ea - s !== eb - s) return ea - s - (eb - s);
  }
  return a.charCodeAt(i) - b.charCodeAt(i);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function sortErrors(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  const unique: FieldError[] = [];
  for (const e of errs) {
    const k = `${e.path}\u0000${e.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      unique.push(e);
    }
  }
  return unique.sort((x, y) => comparePaths(x.path, y.path));
}

/** Structural errors of a raw document against the bundled Pod or PodList schema; [] when it conforms. */
export function schemaErrors(doc: unknown, kind: RootKind): FieldError[] {
  return bundledSchema().check(doc, kind).errors;
}
