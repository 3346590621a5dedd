/**
 * The cluster's own Pod schema: fetched from the API server's OpenAPI document once per
 * connection, converted by the same code that made the bundled schema (validation/openapi.ts)
 * and compiled, so manifests are refused exactly where that cluster's decoder would refuse them.
 *
 * `/openapi/v3/api/v1` is preferred (its URL, with the hash, comes from the `/openapi/v3` root);
 * `/openapi/v2` serves servers without v3. When neither gives a usable document, the bundled
 * schema stays in use, with one warning.
 */
import { createHash } from 'node:crypto';
import type { Configuration } from '@kubernetes/client-node';
import type { Logger } from '../logging/logger.js';
import type { SchemaSink } from '../config/schema-provider.js';
import { buildSchemaDocument, closure, definitionsOf, podRoots, SCHEMA_ID_BASE } from '../validation/openapi.js';
import { KUBERNETES_VERSION, type CompiledSchema, type SchemaDocument } from '../validation/schema.js';
import { compileSchema } from '../validation/compile.js';
import { errorText, getRaw } from './client.js';
import { Backoff } from './backoff.js';
import { sleep } from '../pods/hooks.js';

export type FetchResult =
  | { ok: true; schema: CompiledSchema; source: string }
  /** retry: the server did not answer usefully (down, 5xx, 429); else its answer is final (404, not a schema). */
  | { ok: false; error: string; retry: boolean };

class Unavailable extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

async function getJson(config: Configuration, path: string): Promise<unknown | undefined> {
  let r: { status: number; body: string };
  try {
    r = await getRaw(config, path);
  } catch (err) {
    throw new Unavailable(`GET ${path}: ${errorText(err)}`, true);
  }
  if (r.status === 404) return undefined;
  if (r.status < 200 || r.status > 299) throw new Unavailable(`GET ${path}: HTTP ${r.status}`, r.status >= 500 || r.status === 429);
  try {
    return JSON.parse(r.body) as unknown;
  } catch {
    throw new Unavailable(`GET ${path}: not JSON`, false);
  }
}

/** The v3 document's path from the root's discovery (with its hash), or undefined without v3. */
async function v3Path(config: Configuration): Promise<string | undefined> {
  const root = await getJson(config, '/openapi/v3');
  const url = (root as { paths?: Record<string, { serverRelativeURL?: unknown }> } | undefined)?.paths?.['api/v1']?.serverRelativeURL;
  return typeof url === 'string' && url.startsWith('/') ? url : undefined;
}

/** One attempt: the cluster's schema, or why there is none. Never throws. */
export async function fetchClusterSchema(config: Configuration): Promise<FetchResult> {
  try {
    let source = '';
    let doc: unknown;
    const path = await v3Path(config);
    if (path !== undefined) {
      doc = await getJson(config, path);
      source = path.replace(/\?.*$/, '');
    }
    if (doc === undefined) {
      doc = await getJson(config, '/openapi/v2');
      source = '/openapi/v2';
    }
    if (doc === undefined) return { ok: false, error: 'the API server serves neither /openapi/v3 (api/v1) nor /openapi/v2', retry: false };
    return { ok: true, schema: schemaFromDocument(doc, source), source };
  } catch (err) {
    return { ok: false, error: (err as Error).message, retry: err instanceof Unavailable && err.retry };
  }
}

/** A cluster's OpenAPI document (v2 or v3) → its compiled Pod schema; throws when it has none. */
export function schemaFromDocument(doc: unknown, source: string): CompiledSchema {
  const defs = definitionsOf(doc);
  if (defs === undefined) throw new Unavailable(`${source}: no schema definitions`, false);
  let json;
  try {
    const names = closure(defs, podRoots(defs));
    // The id only has to tell different contents apart: a hash of what was built.
    const built = buildSchemaDocument(defs, names, { id: '', comment: '' });
    const digest = createHash('sha256').update(JSON.stringify(built)).digest('hex').slice(0, 16);
    json = { ...built, $id: `${SCHEMA_ID_BASE}cluster-${digest}.json`, $comment: `converted from the API server's ${source}` };
    const version = (doc as { info?: { version?: unknown } }).info?.version;
    const label = typeof version === 'string' && /^v\d/.test(version) ? `the cluster's schema, Kubernetes ${version}` : "the cluster's schema";
    return compileSchema(json as unknown as SchemaDocument, { origin: 'cluster', label, id: `cluster-${digest}` });
  } catch (err) {
    if (err instanceof Unavailable) throw err;
    throw new Unavailable(`${source}: cannot use its Pod schema: ${(err as Error).message}`, false);
  }
}

export const BUNDLED_FALLBACK = `validating manifests with the bundled Kubernetes ${KUBERNETES_VERSION} schema`;

/**
 * The control plane's loop: fetches until the server answers (down, 5xx and 429 are retried,
 * 1 s doubling to 1 min), hands a schema to the sink, and warns once when there is none yet.
 */
export async function syncClusterSchema(opts: { config: Configuration; sink: SchemaSink; logger: Logger; signal: AbortSignal }): Promise<void> {
  const backoff = new Backoff(1_000, 60_000);
  let warned = false;
  while (!opts.signal.aborted) {
    const r = await fetchClusterSchema(opts.config);
    if (opts.signal.aborted) return;
    if (r.ok) {
      opts.logger.info({ schema: r.schema.label, from: r.source }, warned ? "the cluster's schema is available now; validating manifests with it" : "validating manifests with the cluster's schema");
      opts.sink.use(r.schema);
      return;
    }
    if (!warned) {
      warned = true;
      opts.logger.warn({ err: r.error }, `cannot use the cluster's OpenAPI schema; ${BUNDLED_FALLBACK}`);
    } else opts.logger.debug({ err: r.error }, "the cluster's OpenAPI schema is still unavailable");
    if (!r.retry) return;
    await sleep(backoff.next(), opts.signal);
  }
}
