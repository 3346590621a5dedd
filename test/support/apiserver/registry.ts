// The generic registry: create, update, patch and delete with the metadata rules every built-in
// kind shares — uid, creationTimestamp, resourceVersion, generation, optimistic concurrency,
// preconditions, namespace lifecycle, graceful deletion and finalizers — and the kind's own
// strategy from resources.ts. No HTTP here: the handler and the test-facing API both call it.
import { randomUUID } from 'node:crypto';
import { applyPatch } from './patch.js';
import { apiVersionOf, storageKey, type ResourceDef } from './resources.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  STALE,
  type GroupResource,
  type StatusCause,
} from './status.js';
import type { Store } from './storage.js';
import { clone, isObject, jsonEqual, type Json, type JsonObject, type KubeObject, type UserInfo } from './types.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  dryRun?: string[];
}

export interface WriteOptions {
  dryRun?: boolean;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// generateName suffixes use consonants and digits that cannot spell words, as the server's do.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** metav1.Time's wire form: RFC 3339 in whole seconds. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const groupResource = (d: ResourceDef): GroupResource => ({ group: d.group, resource: d.resource });

function nameCauses(d: ResourceDef, name: string): StatusCause[] {
  if (d.resource === 'events') {
    // Event names only need to be usable as one path segment.
    return name === '.' || name === '..' || /[/%]/.test(name) ? [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": may not contain '/' or '%'`, field: 'metadata.name' }] : [];
  }
  const label = d.resource === 'namespaces';
  const ok = label ? DNS1123_LABEL.test(name) && name.length <= 63 : DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
  if (ok) return [];
  const what = label
    ? `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
    : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${what}`, field: 'metadata.name' }];
}

const RFC3339_MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

/** What decoding the body into the kind's Go type would refuse: MicroTime values of another shape. */
function checkDecodable(d: ResourceDef, o: KubeObject): void {
  for (const path of d.microTimes) {
    let v: Json | undefined = o as unknown as Json;
    for (const p of path) v = isObject(v) ? v[p] : undefined;
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !RFC3339_MICRO.test(v)) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const frac = typeof v === 'string' ? v.slice(19) : text;
      throw badRequest(
        `${d.kind} in version "${d.version}" cannot be handled as a ${d.kind}: parsing time "${text}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "${frac}" as ".000000"`,
      );
    }
  }
}

export class Registry {
  constructor(private readonly store: Store) {}

  private key(d: ResourceDef): string {
    return storageKey(d);
  }

  get(d: ResourceDef, namespace: string, name: string): KubeObject {
    const o = this.store.get(this.key(d), d.namespaced ? namespace : undefined, name);
    if (!o) throw notFound(groupResource(d), name);
    return o;
  }

  list(d: ResourceDef, namespace: string): KubeObject[] {
    return this.store.list(this.key(d), d.namespaced && namespace ? namespace : undefined);
  }

  private checkKind(d: ResourceDef, body: KubeObject): void {
    if ((body.kind !== undefined && body.kind !== d.kind) || (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(d))) {
      throw badRequest(`the object provided is unrecognized (must be of type ${d.kind}): kind ${body.kind ?? ''}, apiVersion ${body.apiVersion ?? ''}`);
    }
  }

  private checkNamespace(d: ResourceDef, namespace: string, forCreate: boolean): void {
    if (!d.namespaced) return;
    const ns = this.store.get('namespaces', undefined, namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (forCreate && ns.metadata.deletionTimestamp) {
      throw forbidden(groupResource(d), '', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  create(d: ResourceDef, namespace: string, input: KubeObject, user: UserInfo, opts: WriteOptions = {}): KubeObject {
    if (!isObject(input as unknown as Json) || !isObject(input.metadata as unknown as Json)) throw badRequest('the body of the request must be an object with metadata');
    this.checkKind(d, input);
    checkDecodable(d, input);
    const o = clone(input);
    o.apiVersion = apiVersionOf(d);
    o.kind = d.kind;
    if (d.namespaced) {
      if (o.metadata.namespace && o.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      o.metadata.namespace = namespace;
    } else delete o.metadata.namespace;
    if (!o.metadata.name && o.metadata.generateName) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += ALPHANUMS[Math.floor(Math.random() * ALPHANUMS.length)];
      o.metadata.name = `${o.metadata.generateName}${suffix}`;
    }
    const name = o.metadata.name;
    if (!name) throw invalid(d.group, d.kind, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    this.checkNamespace(d, namespace, true);
    // Whatever the client sent for server-owned metadata is replaced.
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink'] as const) delete o.metadata[k];
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = rfc3339(Date.now());
    if (d.generation) o.metadata.generation = 1;
    d.prepareForCreate(o, { user });
    const causes = [...nameCauses(d, name), ...d.validate(o)];
    if (causes.length) throw invalid(d.group, d.kind, name, causes);
    const refused = d.admitCreate(o);
    if (refused) throw forbidden(groupResource(d), name, refused);
    if (this.store.get(this.key(d), o.metadata.namespace, name)) throw alreadyExists(groupResource(d), name);
    return opts.dryRun ? o : this.store.put(this.key(d), o);
  }

  /** PUT: the body replaces the object (the endpoint's strategy decides which parts may change). */
  update(d: ResourceDef, namespace: string, name: string, subresource: string, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    if (!isObject(input as unknown as Json) || !isObject(input.metadata as unknown as Json)) throw badRequest('the body of the request must be an object with metadata');
    this.checkKind(d, input);
    checkDecodable(d, input);
    if (input.metadata.name !== undefined && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (d.namespaced && input.metadata.namespace && input.metadata.namespace !== namespace) {
      throw badRequest(`the namespace of the object (${input.metadata.namespace}) does not match the namespace on the request (${namespace})`);
    }
    const current = this.get(d, namespace, name);
    return this.commitUpdate(d, current, input, subresource, opts);
  }

  patch(d: ResourceDef, namespace: string, name: string, subresource: string, contentType: string, body: string, opts: WriteOptions = {}): KubeObject {
    const current = this.get(d, namespace, name);
    const patched = applyPatch(contentType, current as unknown as JsonObject, body, d.schemaType) as unknown as KubeObject;
    if (!isObject(patched.metadata as unknown as Json)) throw badRequest('the patch removed metadata');
    if (patched.metadata.name !== name) throw badRequest(`the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`);
    if (d.namespaced && patched.metadata.namespace !== namespace) {
      throw badRequest(`the namespace of the object (${String(patched.metadata.namespace)}) does not match the namespace on the request (${namespace})`);
    }
    this.checkKind(d, patched);
    checkDecodable(d, patched);
    return this.commitUpdate(d, current, patched, subresource, opts);
  }

  private commitUpdate(d: ResourceDef, current: KubeObject, input: KubeObject, subresource: string, opts: WriteOptions): KubeObject {
    const gr = groupResource(d);
    const name = current.metadata.name!;
    const rv = input.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw conflict(gr, name, STALE);
    const uid = input.metadata.uid;
    if (uid !== undefined && uid !== '' && uid !== current.metadata.uid) {
      throw conflict(gr, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid!}`);
    }
    let next = clone(input);
    next.apiVersion = current.apiVersion!;
    next.kind = current.kind!;
    // Identity and lifecycle metadata belong to the server.
    const m = next.metadata;
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (current.metadata[k] !== undefined) (m as Record<string, Json | undefined>)[k] = current.metadata[k];
      else delete m[k];
    }
    m.resourceVersion = current.metadata.resourceVersion!;
    next = d.prepareForUpdate(next, current, subresource);
    if (d.generation && !subresource && !jsonEqual(next['spec'], current['spec'])) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    const causes: StatusCause[] = [...d.validate(next), ...(subresource ? [] : d.validateUpdate(next, current))];
    if (current.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter((f) => !(current.metadata.finalizers ?? []).includes(f));
      if (added.length) causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`, field: 'metadata.finalizers' });
    }
    if (causes.length) throw invalid(d.group, d.kind, name, causes);
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    if (jsonEqual(next, current)) return current;
    // The last finalizer removed from an object marked for deletion (with no grace left) deletes it.
    if (current.metadata.deletionTimestamp && !next.metadata.finalizers?.length && (current.metadata.deletionGracePeriodSeconds ?? 0) === 0 && !d.keepsOnDelete?.(next)) {
      return opts.dryRun ? next : this.store.remove(this.key(d), next.metadata.namespace, name)!;
    }
    return opts.dryRun ? next : this.store.put(this.key(d), next);
  }

  /**
   * DELETE: checks preconditions, then marks the object (graceful deletion, finalizers) or removes it.
   * Returns the object as it is after the call and whether it is gone.
   */
  delete(d: ResourceDef, namespace: string, name: string, options: DeleteOptions, opts: WriteOptions = {}): { object: KubeObject; deleted: boolean } {
    const gr = groupResource(d);
    const current = this.get(d, namespace, name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid!}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion!}`);
    }
    const key = this.key(d);
    const ns = current.metadata.namespace;
    const grace = d.gracePeriod ? d.gracePeriod(current, options.gracePeriodSeconds) : 0;
    const marked = current.metadata.deletionTimestamp !== undefined;
    if (marked) {
      // A second DELETE may only shorten the grace period already granted.
      const left = current.metadata.deletionGracePeriodSeconds ?? 0;
      if (grace >= left && grace !== 0) return { object: current, deleted: false };
    }
    const waits = (current.metadata.finalizers?.length ?? 0) > 0 || d.keepsOnDelete?.(current) === true;
    if (grace === 0 && !waits) {
      return { object: opts.dryRun ? current : this.store.remove(key, ns, name)!, deleted: !opts.dryRun };
    }
    const next = clone(current);
    if (!marked || grace < (current.metadata.deletionGracePeriodSeconds ?? 0)) {
      next.metadata.deletionTimestamp = rfc3339(Date.now() + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
    }
    if (!marked && next.metadata.generation !== undefined) next.metadata.generation += 1;
    d.onDeleteRequested?.(next);
    if (jsonEqual(next, current)) return { object: current, deleted: false };
    return { object: opts.dryRun ? next : this.store.put(key, next), deleted: false };
  }
}
