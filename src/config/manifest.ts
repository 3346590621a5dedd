import type { Pod } from '../api/generated/core-v1.js';
import { runSteps, type Steps } from '../lib/steps.js';
import { decodeSteps } from '../sources/decode.js';
import { comparePaths, overlaps, semanticErrors, semanticWarnings, stripNulls, type ValidationOptions } from '../validation/index.js';
import type { FieldError } from '../validation/types.js';
import type { CompiledSchema } from '../validation/schema.js';
import { applyStaticIdentity, type SourceRef } from './identity.js';
import { SchemaHolder, type SchemaProvider } from './schema-provider.js';

/** One problem in one manifest, located precisely enough to fix it without guessing. */
export interface ManifestError {
  source: SourceRef;
  /** 0-based document index in a multi-document YAML stream; absent for single documents. */
  document?: number;
  /** JSON path inside the document (`spec.containers[1].name`); '' for the document itself. */
  path: string;
  message: string;
  /** Set on the last entry of a cut list ("and N more errors"): how many errors it stands for. */
  omitted?: number;
}

/** A pod accepted from a manifest, with the static identity applied. */
export interface LoadedPod {
  pod: Pod;
  uid: string;
  /** `namespace/name`, the key the kubelet de-duplicates on. */
  fullName: string;
  document?: number;
}

/**
 * `warnings`: what the API server would change rather than refuse (see CompiledSchema); the
 * manifest is accepted, and they are logged and shown by `staticlet validate`.
 */
export type ManifestResult = { ok: true; pods: LoadedPod[]; warnings?: ManifestError[] } | { ok: false; errors: ManifestError[] };

/**
 * A refusal keeps the first errors only, then one "and N more" entry: it is held for as long as
 * the file stays broken, logged and served on the status socket, so its size must not follow
 * the input's (a 380,000-document file once made 380,000 errors and a 42 MB log line).
 */
export const MAX_KEPT_ERRORS = 50;
/** Paths and messages can quote the input (map keys, values); the start of one says enough. */
export const MAX_ERROR_PATH_CHARS = 256;
export const MAX_ERROR_MESSAGE_CHARS = 512;

export interface ManifestLoaderOptions {
  nodeName: string;
  maxBytes?: number;
  /** Node settings the semantic rules consult (allowedUnsafeSysctls, AppArmor support). */
  validation?: ValidationOptions;
  /** The Pod schema (the bundled one unless the control plane supplies the cluster's). */
  schema?: SchemaProvider;
}

/** Kinds a manifest document may have: a Pod, or a list of Pods under either list kind. */
const LIST_KINDS = new Set(['PodList', 'List']);

/** Bytes of one manifest → the pods it defines, or every reason it is refused. */
export class ManifestLoader {
  readonly schema: SchemaProvider;

  constructor(private readonly opts: ManifestLoaderOptions) {
    this.schema = opts.schema ?? new SchemaHolder();
  }

  get nodeName(): string {
    return this.opts.nodeName;
  }

  load(source: SourceRef, bytes: Uint8Array): ManifestResult {
    return runSteps(this.loadSteps(source, bytes));
  }

  /** load() as resumable work (lib/steps.ts): it yields between documents and inside the decoder. */
  *loadSteps(source: SourceRef, bytes: Uint8Array): Steps<ManifestResult> {
    // One schema for the whole manifest, even if the cluster's arrives while it is parsed.
    const schema = this.schema.current();
    const decoded = yield* decodeSteps(bytes, this.opts.maxBytes === undefined ? {} : { maxBytes: this.opts.maxBytes });
    const errors = new ErrorSummary();
    const warnings = new ErrorSummary();
    if (!decoded.ok) {
      for (const p of decoded.problems) errors.add({ source, ...p, path: '' });
      return { ok: false, errors: errors.list(source) };
    }
    const pods: LoadedPod[] = [];
    for (let index = 0; index < decoded.documents.length; index++) {
      yield;
      // The index in the stream, empty documents counted: `document[2]` is the third `---` part.
      const document = decoded.multiDocument ? decoded.indexes[index] : undefined;
      // JSON nulls mean "absent" to the Kubernetes decoder; dropping them before hashing keeps the
      // UID the same whether a tool wrote `creationTimestamp: null` or left it out.
      const result = this.loadDocument(stripNulls(decoded.documents[index]), source, schema);
      for (const e of result.errors) errors.add({ source, ...(document === undefined ? {} : { document }), ...e });
      for (const w of result.warnings) warnings.add({ source, ...(document === undefined ? {} : { document }), ...w });
      if (errors.total === 0) for (const pod of result.pods) pods.push(document === undefined ? pod : { ...pod, document });
    }
    if (errors.total > 0) return { ok: false, errors: errors.list(source) };
    return warnings.total > 0 ? { ok: true, pods, warnings: warnings.list(source) } : { ok: true, pods };
  }

  private loadDocument(doc: unknown, source: SourceRef, schema: CompiledSchema): { pods: LoadedPod[]; errors: FieldError[]; warnings: FieldError[] } {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      return { pods: [], errors: [{ path: '', message: 'must be a Pod or a PodList object' }], warnings: [] };
    }
    const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
    if (apiVersion !== 'v1') {
      return { pods: [], errors: [{ path: 'apiVersion', message: apiVersion === undefined ? 'required: must be "v1"' : `must be "v1", not ${JSON.stringify(apiVersion)}` }], warnings: [] };
    }
    if (kind === 'Pod') {
      const v = schema.check(doc, 'Pod');
      const r = this.loadPods([doc], '', source, v.errors);
      return { ...r, warnings: [...v.warnings, ...r.warnings] };
    }
    if (typeof kind === 'string' && LIST_KINDS.has(kind)) {
      const v = schema.check(doc, 'PodList');
      const items = (doc as { items?: unknown }).items;
      const r = this.loadPods(Array.isArray(items) ? items : [], 'items', source, v.errors, true);
      return { ...r, warnings: [...v.warnings, ...r.warnings] };
    }
    return {
      pods: [],
      warnings: [],
      errors: [{ path: 'kind', message: kind === undefined ? 'required: must be "Pod", "PodList" or "List"' : `unsupported kind ${JSON.stringify(kind)}: must be "Pod", "PodList" or "List"` }],
    };
  }

  private loadPods(items: unknown[], prefix: string, source: SourceRef, structural: FieldError[], list = false): { pods: LoadedPod[]; errors: FieldError[]; warnings: FieldError[] } {
    const errors: FieldError[] = [...structural];
    const warnings: FieldError[] = [];
    const pods: LoadedPod[] = [];
    items.forEach((raw, i) => {
      const at = list ? `${prefix}[${i}]` : prefix;
      // A list item that is no object at all (`items: [null]`) is refused, not dereferenced.
      if (list && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
        errors.push({ path: at, message: 'list items must be Pod objects' });
        return;
      }
      if (list && ((raw as { kind?: unknown }).kind ?? 'Pod') !== 'Pod') {
        errors.push({ path: `${at}.kind`, message: 'list items must be Pods' });
        return;
      }
      const broken = structural.filter((e) => overlaps(at, e.path));
      if (broken.length > 0) {
        // Rules still run on the parts the schema accepted, so one run shows every mistake; the
        // rules are written to survive ill-typed input. Findings on a broken part add nothing.
        for (const e of semanticErrors(raw as Pod, this.opts.validation)) {
          const path = join(at, e.path);
          if (!broken.some((b) => overlaps(b.path, path))) errors.push({ path, message: e.message });
        }
        return;
      }
      const rawName = (raw as Pod).metadata?.name;
      if (!rawName) {
        errors.push({ path: join(at, 'metadata.name'), message: 'required: a static pod needs a name (generateName is not supported)' });
        return;
      }
      const pod = applyStaticIdentity(raw as Pod, this.opts.nodeName, source);
      for (const e of semanticErrors(pod, this.opts.validation)) errors.push({ path: join(at, e.path), message: e.message });
      for (const w of semanticWarnings(pod)) warnings.push({ path: join(at, w.path), message: w.message });
      const meta = pod.metadata!;
      pods.push({ pod, uid: meta.uid!, fullName: `${meta.namespace}/${meta.name}` });
    });
    return errors.length > 0 ? { pods: [], errors: errors.sort((a, b) => comparePaths(a.path, b.path)), warnings: [] } : { pods, errors, warnings };
  }
}

/** The first MAX_KEPT_ERRORS errors, cut to size and copied off the input, and a count of the rest. */
class ErrorSummary {
  total = 0;
  private readonly kept: ManifestError[] = [];

  add(e: ManifestError): void {
    this.total++;
    if (this.kept.length >= MAX_KEPT_ERRORS) return;
    const { source, document, path, message } = e;
    this.kept.push({ source, ...(document === undefined ? {} : { document }), path: clip(path, MAX_ERROR_PATH_CHARS), message: clip(message, MAX_ERROR_MESSAGE_CHARS) });
  }

  list(source: SourceRef): ManifestError[] {
    const more = this.total - this.kept.length;
    return more > 0 ? [...this.kept, { source, path: '', message: `and ${more} more error${more === 1 ? '' : 's'}`, omitted: more }] : this.kept;
  }
}

/**
 * Cuts a string to `max` characters and copies it: V8 keeps a substring as a view of its
 * parent, so a value taken from a parsed file (a key, a name quoted in a message) would keep
 * the whole file's text alive for as long as the error is held.
 */
export function clip(s: string, max: number): string {
  const cut = s.length > max ? `${s.slice(0, max - 3)}...` : s;
  // Control characters (from a key or a value) would break the one-line form, and a JSON log
  // writes each as six bytes.
  return Buffer.from(cut.replace(/[\u0000-\u001f\u007f]/g, '\ufffd'), 'utf8').toString('utf8');
}

/** How many errors a list stands for, counting the ones a cut list left out. */
export function errorCount(errors: readonly ManifestError[]): number {
  let n = 0;
  for (const e of errors) n += e.omitted ?? 1;
  return n;
}

function join(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** `file.yaml: document[2]: spec.containers[0].image: required` — the one-line form used everywhere. */
export function formatManifestError(e: ManifestError): string {
  const parts = [e.source.location];
  if (e.document !== undefined) parts.push(`document[${e.document}]`);
  if (e.path) parts.push(e.path);
  return `${parts.join(': ')}: ${e.message}`;
}
