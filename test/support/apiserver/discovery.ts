// Discovery documents: /version, the legacy /api, /api/v1, /apis, /apis/<group>[/<version>], the
// aggregated form (apidiscovery.k8s.io/v2) that kubectl asks for first, and OpenAPI v3, all built
// from the resource table.
import { openapiDocument, openapiRoot, type OpenApiOptions } from './openapi.js';
import { RESOURCES, type ResourceDef } from './resources.js';
import type { Json, JsonObject } from './types.js';

export const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

export function versionDocument(v: VersionInfo): JsonObject {
  return {
    major: v.major,
    minor: v.minor,
    gitVersion: v.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.25.0',
    compiler: 'gc',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** The client asks for aggregated discovery when its Accept names the v2 list (as kubectl 1.26+ does). */
export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && /g=apidiscovery\.k8s\.io;\s*v=v2;\s*as=APIGroupDiscoveryList/.test(accept.replace(/\s+/g, ''));
}

function groups(): Map<string, ResourceDef[]> {
  const m = new Map<string, ResourceDef[]>();
  for (const r of RESOURCES) m.set(r.group, [...(m.get(r.group) ?? []), r]);
  return m;
}

export function coreVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(group: string, defs: ResourceDef[]): JsonObject {
  const gv = { groupVersion: `${group}/${defs[0]!.version}`, version: defs[0]!.version };
  return { name: group, versions: [gv], preferredVersion: gv };
}

export function groupList(): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups()].filter(([g]) => g !== '').map(([g, defs]) => groupEntry(g, defs)) };
}

export function groupDocument(group: string): JsonObject | undefined {
  const defs = groups().get(group);
  return group && defs ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, defs) } : undefined;
}

export function resourceList(group: string, version: string): JsonObject | undefined {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (defs.length === 0) return undefined;
  const resources: Json[] = [];
  for (const r of defs) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) resources.push({ name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
  }
  // The core group's list has no apiVersion field; the named groups' lists do.
  return { kind: 'APIResourceList', ...(group ? { apiVersion: 'v1' } : {}), groupVersion: group ? `${group}/${version}` : version, resources };
}

function aggregatedGroup(group: string, defs: ResourceDef[]): JsonObject {
  return {
    metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
    versions: [
      {
        version: defs[0]!.version,
        resources: defs.map((r) => ({
          resource: r.resource,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
          ...(r.subresources.length
            ? { subresources: r.subresources.map((s) => ({ subresource: s, responseKind: { group: r.group, version: r.version, kind: r.kind }, verbs: ['get', 'patch', 'update'] })) }
            : {}),
        })),
        freshness: 'Current',
      },
    ],
  };
}

/** `/api` (core) or `/apis` (named groups) as one aggregated document. */
export function aggregated(core: boolean): JsonObject {
  const items = [...groups()].filter(([g]) => (g === '') === core).map(([g, defs]) => aggregatedGroup(g, defs));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export interface Document {
  body: JsonObject;
  contentType: string;
}

/** The discovery document a GET of `path` answers with, or undefined when the path is none. */
export function discoveryDocument(path: string, accept: string | undefined, serverAddress: string, version: VersionInfo, openapi: OpenApiOptions = {}): Document | undefined {
  const json = (body: JsonObject | undefined, contentType = 'application/json') => (body ? { body, contentType } : undefined);
  const parts = path.split('/').filter(Boolean);
  if (path === '/version') return json(versionDocument(version));
  if (path === '/api') return wantsAggregated(accept) ? json(aggregated(true), AGGREGATED) : json(coreVersions(serverAddress));
  if (path === '/apis') return wantsAggregated(accept) ? json(aggregated(false), AGGREGATED) : json(groupList());
  if (parts[0] === 'api' && parts.length === 2) return json(resourceList('', parts[1]!));
  if (parts[0] === 'apis' && parts.length === 2) return json(groupDocument(parts[1]!));
  if (parts[0] === 'apis' && parts.length === 3) return json(resourceList(parts[1]!, parts[2]!));
  if (path === '/openapi/v3') return json(openapiRoot(version.gitVersion, openapi));
  if (path.startsWith('/openapi/v3/')) return json(openapiDocument(path.slice('/openapi/v3/'.length), version.gitVersion, openapi));
  return undefined;
}
