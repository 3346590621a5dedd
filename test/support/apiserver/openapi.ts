// A thin OpenAPI v3 document per group version: paths and their PATCH operations with the
// group-version-kind extension and the `fieldValidation` query parameter. That is what kubectl
// reads to learn that the server validates fields itself (it then sends fieldValidation=Strict
// instead of validating against schemas it would have to download). `api/v1` also carries the
// Pod schemas, rebuilt from the repository's bundled schemas/ file in the API server's v3 form
// (full names, `#/components/schemas/` references, a lone reference wrapped in allOf with a
// default), which is what staticlet fetches to validate manifests with the cluster's schema.
// Pod and PodList carry no group-version-kind extension, so kubectl finds no schema for a Pod
// and keeps using its built-in types for patches, as it did with the thin document.
// /openapi/v2 is not served: kubectl only falls back to it when v3 is missing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RESOURCES, type ResourceDef } from './resources.js';
import type { Json, JsonObject } from './types.js';

export interface OpenApiOptions {
  /** false: /openapi/v3 and everything below it answer 404 (default true). */
  serve?: boolean;
  /** false: the thin documents, no Pod schemas (default true). */
  schemas?: boolean;
  /** Properties left out of the Pod schemas, as `<definition>.<property>` (`io.k8s.api.core.v1.PodSpec.hostUsers`). */
  removeFields?: string[];
}

const META = new Set(['FieldsV1', 'LabelSelector', 'LabelSelectorRequirement', 'ListMeta', 'ManagedFieldsEntry', 'ObjectMeta', 'OwnerReference', 'ShardInfo', 'Time', 'MicroTime']);

/** The bundled schema's short names are the OpenAPI names' last segments; these are the packages. */
function fullName(short: string): string {
  if (META.has(short)) return `io.k8s.apimachinery.pkg.apis.meta.v1.${short}`;
  if (short === 'Quantity') return 'io.k8s.apimachinery.pkg.api.resource.Quantity';
  if (short === 'IntOrString') return 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
  return `io.k8s.api.core.v1.${short}`;
}

function bundledFile(): string {
  // dist/test/support/apiserver → ../../../../schemas; test/support/apiserver → ../../../schemas.
  for (const rel of ['../../../../schemas/kubernetes-v1.36.json', '../../../schemas/kubernetes-v1.36.json']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('schemas/kubernetes-v1.36.json not found');
}

let bundled: Record<string, JsonObject> | undefined;

function toOpenApi(node: JsonObject, wrapRef: boolean): JsonObject {
  if (typeof node['$ref'] === 'string') {
    const ref = { $ref: `#/components/schemas/${fullName(node['$ref'].slice('#/definitions/'.length))}` };
    return wrapRef ? { allOf: [ref], default: {} } : ref;
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'additionalProperties' && v === false) continue; // strictness is the decoder's, not the document's
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as JsonObject).map(([p, x]) => [p, toOpenApi(x as JsonObject, true)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = toOpenApi(v as JsonObject, false);
    else out[k] = v;
  }
  return out;
}

/** The Pod schemas in v3 form, less the removed fields. */
function podSchemas(removeFields: readonly string[]): JsonObject {
  bundled ??= (JSON.parse(readFileSync(bundledFile(), 'utf8')) as { definitions: Record<string, JsonObject> }).definitions;
  const out: JsonObject = {};
  for (const [short, def] of Object.entries(bundled)) {
    const name = fullName(short);
    if (short === 'Quantity') out[name] = { type: 'string' };
    else if (short === 'IntOrString') out[name] = { type: 'string', format: 'int-or-string' };
    else out[name] = toOpenApi(def, false);
  }
  for (const f of removeFields) {
    const i = f.lastIndexOf('.');
    const def = out[f.slice(0, i)] as { properties?: JsonObject; required?: string[] } | undefined;
    if (def?.properties === undefined || !(f.slice(i + 1) in def.properties)) throw new Error(`openapi.removeFields: no field ${f}`);
    delete def.properties[f.slice(i + 1)];
    if (def.required) def.required = def.required.filter((r) => r !== f.slice(i + 1));
  }
  return out;
}

const gvPath = (d: ResourceDef) => (d.group ? `apis/${d.group}/${d.version}` : `api/${d.version}`);

const QUERY = (name: string, type = 'string'): JsonObject => ({ name, in: 'query', description: name, schema: { type, uniqueItems: true } });

function paths(defs: ResourceDef[]): JsonObject {
  const out: JsonObject = {};
  for (const d of defs) {
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const item = `/${gvPath(d)}/${d.namespaced ? 'namespaces/{namespace}/' : ''}${d.resource}/{name}`;
    const patch = (sub: string): JsonObject => ({
      description: `partially update ${sub ? `${sub} of ` : ''}the specified ${d.kind}`,
      operationId: `patch${d.kind}${sub}`,
      parameters: [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation'), QUERY('force', 'boolean')],
      'x-kubernetes-action': 'patch',
      'x-kubernetes-group-version-kind': gvk,
    });
    out[item] = { patch: patch('') };
    for (const sub of d.subresources) out[`${item}/${sub}`] = { patch: patch(sub[0]!.toUpperCase() + sub.slice(1)) };
  }
  return out;
}

function byGroupVersion(): Map<string, ResourceDef[]> {
  const m = new Map<string, ResourceDef[]>();
  for (const d of RESOURCES) m.set(gvPath(d), [...(m.get(gvPath(d)) ?? []), d]);
  return m;
}

export function openapiDocument(gv: string, version: string, opts: OpenApiOptions = {}): JsonObject | undefined {
  const defs = byGroupVersion().get(gv);
  if (!defs || opts.serve === false) return undefined;
  const schemas = gv === 'api/v1' && opts.schemas !== false ? podSchemas(opts.removeFields ?? []) : {};
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version }, paths: paths(defs), components: { schemas } };
}

export function openapiRoot(version: string, opts: OpenApiOptions = {}): JsonObject | undefined {
  if (opts.serve === false) return undefined;
  const entries: Record<string, Json> = {};
  for (const gv of byGroupVersion().keys()) {
    // The hash lets clients cache each document; it only has to change when the document does.
    const hash = createHash('sha512').update(JSON.stringify(openapiDocument(gv, version, opts))).digest('hex').slice(0, 128).toUpperCase();
    entries[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths: entries };
}

