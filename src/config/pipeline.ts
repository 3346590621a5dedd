import { createHash } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import { runSliced, type Steps } from '../lib/steps.js';
import type { ManifestSource, SourceBatch, SourceUpdate } from '../sources/types.js';
import type { DesiredState } from './desired-state.js';
import { clip, formatManifestError, MAX_ERROR_MESSAGE_CHARS, type ManifestLoader, type ManifestResult } from './manifest.js';
import { sourceKey, type SourceRef } from './identity.js';

/** Batches that arrived while an earlier one was still being parsed: the newest state per file. */
interface Pending {
  source: ManifestSource;
  updates: Map<string, SourceUpdate>;
  full: boolean;
}

/**
 * Connects sources to the desired state: every batch a source reports is decoded, validated and
 * applied as one step, so a directory rescan yields one set of changes, not one per file.
 *
 * Parsing runs in slices (lib/steps.ts) so that a large manifest does not stall the status
 * socket, probes and pod workers. A batch that fits in one slice is applied before the source's
 * callback returns, as if parsing were synchronous; a longer one finishes in later turns. Batches
 * reported meanwhile wait, merged: only the newest report of each file is kept, so a file
 * rewritten over and over while the parser is busy costs one parse and one copy of its bytes.
 */
export class ConfigPipeline {
  private readonly sources: ManifestSource[] = [];
  /**
   * A digest of the last bytes and their result per manifest: a periodic rescan of unchanged
   * files costs no parsing, and a refused file's text is not kept (its result is a short summary).
   */
  private readonly cache = new Map<string, { digest: string; schema: string; result: ManifestResult }>();
  private readonly pending: Pending[] = [];
  /** The batch being parsed over several turns, if any. */
  private running: Promise<void> | undefined;
  private readonly unsubscribe: () => void;
  /** The re-validation under a new schema, while it runs. */
  private revalidating: Promise<void> | undefined;

  constructor(
    private readonly loader: ManifestLoader,
    private readonly desired: DesiredState,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = loader.schema.onChange(() => {
      this.revalidating = this.revalidate();
    });
  }

  /**
   * Another schema (the cluster's arrived): every manifest is checked again under it. Sources
   * report only changes and the cache keeps no manifest text, so each source re-reports what it
   * holds; the cache, keyed on the schema too, lets none of it through unchecked. The desired
   * state treats the results like any re-read: a manifest now refused keeps its running pods
   * (its last accepted version stays desired) and shows as refused; one now accepted starts.
   */
  private async revalidate(): Promise<void> {
    const schema = this.loader.schema.current();
    this.logger.info({ schema: schema.label }, 'manifest schema changed; validating every manifest again');
    await Promise.all(this.sources.map((s) => (s.reread ? s.reread() : s.resync())));
    await this.idle();
  }

  /** Resolves once a re-validation under a new schema, if one was started, has been applied. */
  async revalidated(): Promise<void> {
    while (this.revalidating) {
      const r = this.revalidating;
      await r;
      if (this.revalidating === r) this.revalidating = undefined;
    }
  }

  async add(source: ManifestSource): Promise<void> {
    this.sources.push(source);
    await source.start((batch) => this.onBatch(source, batch));
    // The first listing counts as read once it is applied, not once it is reported.
    await this.idle();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await Promise.all(this.sources.map((s) => s.stop()));
    await this.idle();
  }

  async resyncAll(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.resync()));
    await this.idle();
  }

  /** Resolves once every batch reported so far is applied. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private onBatch(source: ManifestSource, batch: SourceBatch): void {
    // At most one waiting entry per source, so the queue is as long as the list of sources.
    const waiting = this.pending.find((p) => p.source === source);
    if (waiting) {
      for (const u of batch.updates) {
        // Re-inserted at the end: the newest report keeps its arrival order.
        waiting.updates.delete(u.location);
        waiting.updates.set(u.location, u);
      }
      waiting.full ||= batch.full;
    } else {
      this.pending.push({ source, updates: new Map(batch.updates.map((u) => [u.location, u])), full: batch.full });
    }
    if (!this.running) this.drain();
  }

  /** Applies waiting batches in order; goes asynchronous at the first one that needs more than a slice. */
  private drain(): void {
    while (this.pending.length > 0) {
      const next = this.pending.shift()!;
      let r: ReturnType<typeof runSliced<void>>;
      try {
        r = runSliced(this.process(next));
      } catch (err) {
        this.logger.error({ source: next.source.name, err: err instanceof Error ? err.stack : String(err) }, 'failed to apply manifest batch');
        continue;
      }
      if ('pending' in r) {
        this.running = r.pending.then(
          () => this.continueDrain(),
          (err: unknown) => this.failed(next.source, err),
        );
        return;
      }
    }
  }

  private continueDrain(): void {
    this.running = undefined;
    this.drain();
  }

  private failed(source: ManifestSource, err: unknown): void {
    this.logger.error({ source: source.name, err: err instanceof Error ? err.stack : String(err) }, 'failed to apply manifest batch');
    this.continueDrain();
  }

  private *process(p: Pending): Steps<void> {
    const updates: Array<{ ref: SourceRef; result: ManifestResult | undefined }> = [];
    for (const u of p.updates.values()) {
      const ref: SourceRef = { kind: p.source.kind, location: u.location };
      let result: ManifestResult | undefined;
      if ('deleted' in u) {
        result = undefined;
        this.cache.delete(sourceKey(ref));
      } else if ('error' in u) result = { ok: false, errors: [{ source: ref, path: '', message: u.error }] };
      else result = yield* this.cachedLoad(ref, u.content);
      updates.push({ ref, result });
    }
    try {
      if (updates.length > 0) this.desired.apply(updates);
      if (p.full) this.desired.markSourceSynced(p.source.name);
    } catch (err) {
      // Listeners (pod workers, status) run inside apply(); their bugs must not escape into a source.
      this.logger.error({ source: p.source.name, err: err instanceof Error ? err.stack : String(err) }, 'failed to apply manifest batch');
    }
  }

  /** Unchanged bytes give the same result (identity and validation are pure functions of them). */
  private *cachedLoad(ref: SourceRef, content: Uint8Array): Steps<ManifestResult> {
    const key = sourceKey(ref);
    const digest = createHash('sha256').update(content).digest('hex');
    const schema = this.loader.schema.current().id;
    const hit = this.cache.get(key);
    if (hit && hit.digest === digest && hit.schema === schema) return hit.result;
    const result = yield* this.safeLoad(ref, content);
    this.cache.set(key, { digest, schema, result });
    // Once per content (and schema): a cached verdict is not logged again.
    if (result.ok && result.warnings) this.logger.warn({ source: ref.location, warnings: result.warnings.map(formatManifestError) }, 'manifest accepted with warnings');
    return result;
  }

  /** A validator bug must cost one manifest a rejection, never the supervisor. */
  private *safeLoad(ref: SourceRef, content: Uint8Array): Steps<ManifestResult> {
    try {
      return yield* this.loader.loadSteps(ref, content);
    } catch (err) {
      this.logger.error({ source: ref.location, err: err instanceof Error ? err.stack : String(err) }, 'internal error while loading manifest');
      return { ok: false, errors: [{ source: ref, path: '', message: clip(`internal error while validating: ${String(err)}`, MAX_ERROR_MESSAGE_CHARS) }] };
    }
  }
}
