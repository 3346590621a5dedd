/**
 * Generates the strict JSON Schema and the TypeScript interfaces for Pod/PodList from the
 * Kubernetes OpenAPI v2 document (swagger.json).
 *
 * Usage: node dist/scripts/gen-schemas.js [--input SWAGGER.json] [--out-dir REPO_ROOT]
 *   --input     defaults to $STATICLET_SWAGGER, else ../shared/reference/kubernetes/swagger-v1.36.json
 *               relative to the repository root.
 *   --out-dir   where `schemas/` and `src/api/generated/` are written; defaults to the repository root
 *               (the reproducibility test points it at a temporary directory).
 *
 * Only facts survive the translation (types, properties, required, enum, format, items, maps):
 * descriptions and patch-strategy extensions are dropped, so the output is small and diffs only
 * when the API changes. Output is fully deterministic: keys are sorted, formatting is fixed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT_DEFINITIONS = ['io.k8s.api.core.v1.Pod', 'io.k8s.api.core.v1.PodList'] as const;
export const SCHEMA_ID_BASE = 'https://staticlet.invalid/schemas/';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface SwaggerSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: string[];
  required?: string[];
  items?: SwaggerSchema;
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: SwaggerSchema | boolean;
  allOf?: SwaggerSchema[];
}

interface SwaggerDoc {
  swagger?: string;
  definitions: Record<string, SwaggerSchema>;
}

export interface GeneratedFiles {
  /** Relative path (from the output root) → file content. */
  [relativePath: string]: string;
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function refTarget(ref: string): string {
  const prefix = '#/definitions/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

/** Definitions reachable from the roots, in sorted order so the output never depends on traversal. */
function closure(doc: SwaggerDoc, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (s: SwaggerSchema | boolean | undefined): void => {
    if (s === undefined || typeof s === 'boolean') return;
    if (s.$ref !== undefined) {
      const target = refTarget(s.$ref);
      if (!seen.has(target)) {
        const def = doc.definitions[target];
        if (def === undefined) throw new Error(`dangling $ref ${s.$ref}`);
        seen.add(target);
        visit(def);
      }
    }
    for (const p of Object.values(s.properties ?? {})) visit(p);
    visit(s.items);
    visit(s.additionalProperties);
    for (const a of s.allOf ?? []) visit(a);
  };
  for (const r of roots) {
    if (doc.definitions[r] === undefined) throw new Error(`definition ${r} not found`);
    seen.add(r);
    visit(doc.definitions[r]);
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

// ---------------------------------------------------------------------------------------------
// JSON Schema
// ---------------------------------------------------------------------------------------------

function toJsonSchema(s: SwaggerSchema, where: string): JsonObject {
  if (s.$ref !== undefined) return { $ref: `#/definitions/${shortName(refTarget(s.$ref))}` };
  if (s.allOf !== undefined) {
    // Swagger 2 wraps a lone $ref in allOf to attach a description; nothing else uses it here.
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
      if (s.format !== undefined) out.format = s.format;
      if (s.enum !== undefined) out.enum = [...s.enum].sort();
      break;
    default:
      throw new Error(`${where}: unsupported type ${String(s.type)}`);
  }
  return out;
}

function definitionSchema(fullName: string, s: SwaggerSchema): JsonObject {
  // Quantity and IntOrString are declared as plain strings in the OpenAPI document but accept
  // JSON numbers too; their own formats (registered in ajv) check the content.
  if (fullName === QUANTITY) return { type: ['string', 'number'], format: 'quantity' };
  if (fullName === INT_OR_STRING) return { type: ['integer', 'string'], format: 'int-or-string' };
  return toJsonSchema(s, shortName(fullName));
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
    return out;
  }
  return v;
}

function buildSchema(doc: SwaggerDoc, names: string[], version: string, sourceName: string): string {
  const defs: JsonObject = {};
  for (const n of names) defs[shortName(n)] = definitionSchema(n, doc.definitions[n]!);
  const schema: JsonObject = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${SCHEMA_ID_BASE}kubernetes-v${version}.json`,
    $comment: `Generated by scripts/gen-schemas.ts from ${sourceName} (Kubernetes ${version} OpenAPI v2). Do not edit.`,
    definitions: defs,
  };
  return `${JSON.stringify(sortKeys(schema), null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// TypeScript
// ---------------------------------------------------------------------------------------------

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function tsType(s: SwaggerSchema, where: string): string {
  if (s.$ref !== undefined) return shortName(refTarget(s.$ref));
  if (s.allOf !== undefined) return tsType(s.allOf[0]!, where);
  switch (s.type) {
    case 'object':
      if (s.properties !== undefined) throw new Error(`${where}: inline object types are not supported`);
      if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
        return `Record<string, ${tsType(s.additionalProperties, where)}>`;
      }
      return 'Record<string, unknown>';
    case 'array': {
      const inner = tsType(s.items!, where);
      return inner.includes(' ') ? `Array<${inner}>` : `${inner}[]`;
    }
    case 'string':
      return s.enum !== undefined ? [...s.enum].sort().map((e) => JSON.stringify(e)).join(' | ') : 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      throw new Error(`${where}: unsupported type ${String(s.type)}`);
  }
}

function buildTypes(doc: SwaggerDoc, names: string[], version: string, sourceName: string): string {
  const lines: string[] = [
    `// Generated by scripts/gen-schemas.ts from ${sourceName} (Kubernetes ${version} OpenAPI v2). Do not edit;`,
    '// run `npm run gen:schemas` instead. Definitions: Pod, PodList and everything they reference.',
    '',
  ];
  const sorted = [...names].sort((a, b) => (shortName(a) < shortName(b) ? -1 : shortName(a) > shortName(b) ? 1 : 0));
  for (const n of sorted) {
    const name = shortName(n);
    const s = doc.definitions[n]!;
    if (n === QUANTITY) {
      lines.push('/** Serialized as a string ("500m", "1Gi") or a plain JSON number. */');
      lines.push(`export type ${name} = string | number;`, '');
      continue;
    }
    if (n === INT_OR_STRING) {
      lines.push(`export type ${name} = number | string;`, '');
      continue;
    }
    if (s.type !== 'object' || s.properties === undefined) {
      lines.push(`export type ${name} = ${tsType(s, name)};`, '');
      continue;
    }
    const required = new Set(s.required ?? []);
    lines.push(`export interface ${name} {`);
    for (const p of Object.keys(s.properties).sort()) {
      const key = IDENT.test(p) ? p : JSON.stringify(p);
      lines.push(`  ${key}${required.has(p) ? '' : '?'}: ${tsType(s.properties[p]!, `${name}.${p}`)};`);
    }
    lines.push('}', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------

export const SCHEMA_DIR = 'schemas';
export const TYPES_PATH = join('src', 'api', 'generated', 'core-v1.ts');

export function schemaFileName(version: string): string {
  return `kubernetes-v${version}.json`;
}

/** Kubernetes minor version from a file name such as swagger-v1.36.json. */
export function versionOf(inputPath: string): string {
  const m = /v(\d+\.\d+)/.exec(basename(inputPath));
  if (m === null) throw new Error(`cannot infer the Kubernetes version from ${inputPath}; name it swagger-vX.Y.json`);
  return m[1]!;
}

export function generate(swaggerText: string, inputPath: string): GeneratedFiles {
  const doc = JSON.parse(swaggerText) as SwaggerDoc;
  if (doc.definitions === undefined) throw new Error(`${inputPath}: not an OpenAPI v2 document (no definitions)`);
  const version = versionOf(inputPath);
  const sourceName = basename(inputPath);
  const names = closure(doc, ROOT_DEFINITIONS);
  return {
    [join(SCHEMA_DIR, schemaFileName(version))]: buildSchema(doc, names, version, sourceName),
    [TYPES_PATH]: buildTypes(doc, names, version, sourceName),
  };
}

function repoRoot(): string {
  // Works from dist/scripts/ (compiled) and scripts/ (ts loaders): the first dir with package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the generator');
    dir = up;
  }
}

export function defaultInput(root: string): string {
  return process.env['STATICLET_SWAGGER'] ?? resolve(root, '..', 'shared', 'reference', 'kubernetes', 'swagger-v1.36.json');
}

function main(argv: string[]): number {
  const root = repoRoot();
  let input: string | undefined;
  let outDir = root;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--input') input = resolve(next());
    else if (a === '--out-dir') outDir = resolve(next());
    else if (a !== undefined && !a.startsWith('-') && input === undefined) input = resolve(a);
    else {
      process.stderr.write(`usage: gen-schemas [--input SWAGGER.json] [--out-dir DIR]\n`);
      return 2;
    }
  }
  input ??= defaultInput(root);
  const files = generate(readFileSync(input, 'utf8'), input);
  for (const [rel, content] of Object.entries(files)) {
    const target = join(outDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    process.stdout.write(`wrote ${target}\n`);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
