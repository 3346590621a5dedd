// A thin OpenAPI v3 document per group version: paths and their PATCH operations with the
// group-version-kind extension and the `fieldValidation` query parameter, no schemas. That is what
// kubectl reads to learn that the server validates fields itself (it then sends
// fieldValidation=Strict instead of validating against schemas it would have to download).
// /openapi/v2 is not served: kubectl only falls back to it when v3 is missing.
import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceDef } from './resources.js';
import type { Json, JsonObject } from './types.js';

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

export function openapiDocument(gv: string, version: string): JsonObject | undefined {
  const defs = byGroupVersion().get(gv);
  if (!defs) return undefined;
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version }, paths: paths(defs), components: { schemas: {} } };
}

export function openapiRoot(version: string): JsonObject {
  const entries: Record<string, Json> = {};
  for (const gv of byGroupVersion().keys()) {
    // The hash lets clients cache each document; it only has to change when the document does.
    const hash = createHash('sha512').update(JSON.stringify(openapiDocument(gv, version))).digest('hex').slice(0, 128).toUpperCase();
    entries[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths: entries };
}

