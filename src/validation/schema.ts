/**
 * Structural validation against the generated JSON Schema (schemas/kubernetes-v1.36.json).
 *
 * The schema is strict where the API server's strict field validation is: unknown fields are
 * errors, not silently dropped as the kubelet does. ajv compiles it once, on first use, so
 * importing this module stays cheap for commands that never validate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseQuantity } from './quantity.js';
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

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
// JSON numbers beyond 2^63 cannot come from a valid int64 even after float rounding.
const INT64_LIMIT = 9223372036854775808;
// RFC 3339 as Go's time.Time accepts it in JSON (the 'T' separator is required).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function isInt32(x: number): boolean {
  return Number.isInteger(x) && x >= INT32_MIN && x <= INT32_MAX;
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
 * Compiles a schema document in the generator's form. Throws when the document is not one
 * (a definition missing, a keyword ajv does not know): a cluster's document that does not
 * compile is refused as a whole, and the caller keeps the bundled schema.
 */
export function compileSchema(schema: SchemaDocument, meta: SchemaMeta): CompiledSchema {
  // verbose: errors carry the offending value, which enum/format messages quote.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addFormat('int32', { type: 'number', validate: isInt32 });
  ajv.addFormat('int64', { type: 'number', validate: (x: number) => Number.isInteger(x) && x > -INT64_LIMIT && x < INT64_LIMIT });
  // Strings pass (any string is a valid named port); numbers must fit the int32 half.
  ajv.addFormat('int-or-string', { type: 'number', validate: isInt32 });
  ajv.addFormat('quantity', { type: 'string', validate: (s: string) => parseQuantity(s) !== undefined });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)) });
  // Warnings are gathered per call: ajv runs keyword code synchronously inside validate().
  let warnings: FieldError[] = [];
  ajv.addKeyword({
    keyword: 'x-staticlet-quantity-rounding',
    schemaType: 'boolean',
    validate: (_enabled: boolean, data: unknown, _parent?: unknown, cxt?: { instancePath: string }) => {
      const w = roundingWarning(data);
      if (w !== undefined && cxt !== undefined) warnings.push({ path: cxt.instancePath, message: w });
      return true;
    },
  });
  // The keyword goes on an in-memory copy: the file on disk stays what the generator wrote.
  const quantity = schema.definitions['Quantity'];
  const withKeyword: { $id: string; definitions: Record<string, unknown> } = quantity === undefined ? schema : { ...schema, definitions: { ...schema.definitions, Quantity: { ...quantity, 'x-staticlet-quantity-rounding': true } } };
  ajv.addSchema(withKeyword as unknown as Record<string, unknown>);
  const get = (name: RootKind): ValidateFunction => {
    const v = ajv.getSchema(`${schema.$id}#/definitions/${name}`);
    if (v === undefined) throw new Error(`definition ${name} missing from ${meta.label}`);
    return v;
  };
  const validators: Record<RootKind, ValidateFunction> = { Pod: get('Pod'), PodList: get('PodList') };
  return {
    ...meta,
    check(doc: unknown, kind: RootKind): SchemaVerdict {
      const validate = validators[kind];
      warnings = [];
      const ok = validate(stripNulls(doc));
      const found = warnings.map((w) => ({ path: renderPath(schema, kind, w.path), message: w.message }));
      warnings = [];
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

/**
 * The API server parses a quantity into nano units, rounding up what is finer ("0.1n", "1e-12"
 * become "1n"): it keeps the manifest but not its value, so staticlet accepts it and says so.
 */
function roundingWarning(data: unknown): string | undefined {
  if (typeof data !== 'string' && typeof data !== 'number') return undefined;
  const text = String(data);
  const q = parseQuantity(data);
  if (q === undefined || q.sign === 0 || !finerThanNano(text)) return undefined;
  return `quantity ${quote(data)} is finer than the API server keeps: it is rounded up to a multiple of 1n`;
}

/** Whether a quantity's literal has digits below 10^-9 (its parsed value is already rounded). */
function finerThanNano(text: string): boolean {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) return false;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  const suffix = m[3];
  // Binary suffixes scale by powers of two: "0.5Ki" is whole; only decimal scales shift digits.
  if (suffix !== undefined && /i$/.test(suffix)) return false;
  const scale = suffix === undefined ? 0 : m[4] !== undefined ? Number(m[4]) : DECIMAL_SCALE[suffix] ?? 0;
  const intDigits = (m[1] ?? '').replace(/^0+/, '');
  let lowest: number;
  if (fraction.length > 0) lowest = scale - fraction.length;
  else {
    const trailing = intDigits.length - intDigits.replace(/0+$/, '').length;
    lowest = intDigits.length === 0 ? 0 : scale + trailing;
  }
  return lowest < -9;
}

const DECIMAL_SCALE: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

let bundled: CompiledSchema | undefined;

/**
 * The bundled Kubernetes 1.36 schema, compiled on its first check, not when it is named: the
 * pipeline asks for the current schema's id for every manifest (its verdict cache), and a
 * manifest refused before validation (too many documents, an alias bomb) must not pay the
 * compile, which holds the event loop for a few hundred milliseconds.
 */
export function bundledSchema(): CompiledSchema {
  if (bundled) return bundled;
  const meta = { origin: 'bundled' as const, label: `the bundled Kubernetes ${KUBERNETES_VERSION} schema`, id: `bundled-${KUBERNETES_VERSION}` };
  let compiled: CompiledSchema | undefined;
  bundled = {
    ...meta,
    check(doc, kind) {
      compiled ??= compileSchema(loadSchema(), meta);
      return compiled.check(doc, kind);
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

function quote(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
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
