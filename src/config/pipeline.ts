import type { Logger } from '../logging/logger.js';
import type { ManifestSource, SourceBatch } from '../sources/types.js';
import type { DesiredState } from './desired-state.js';
import type { ManifestLoader, ManifestResult } from './manifest.js';
import { sourceKey, type SourceRef } from './identity.js';

/**
 * Connects sources to the desired state: every batch a source reports is decoded, validated and
 * applied as one step, so a directory rescan yields one set of changes, not one per file.
 */
export class ConfigPipeline {
  private readonly sources: ManifestSource[] = [];
  /** Last bytes and result per manifest: a periodic rescan of unchanged files costs no parsing. */
  private readonly cache = new Map<string, { content: Uint8Array; result: ManifestResult }>();

  constructor(
    private readonly loader: ManifestLoader,
    private readonly desired: DesiredState,
    private readonly logger: Logger,
  ) {}

  async add(source: ManifestSource): Promise<void> {
    this.sources.push(source);
    await source.start((batch) => this.onBatch(source, batch));
  }

  async stop(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.stop()));
  }

  async resyncAll(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.resync()));
  }

  /** Unchanged bytes give the same result (identity and validation are pure functions of them). */
  private cachedLoad(ref: SourceRef, content: Uint8Array): ManifestResult {
    const key = sourceKey(ref);
    const hit = this.cache.get(key);
    if (hit && Buffer.compare(hit.content, content) === 0) return hit.result;
    const result = this.safeLoad(ref, content);
    this.cache.set(key, { content, result });
    return result;
  }

  /** A validator bug must cost one manifest a rejection, never the supervisor. */
  private safeLoad(ref: SourceRef, content: Uint8Array): ManifestResult {
    try {
      return this.loader.load(ref, content);
    } catch (err) {
      this.logger.error({ source: ref.location, err: err instanceof Error ? err.stack : String(err) }, 'internal error while loading manifest');
      return { ok: false, errors: [{ source: ref, path: '', message: `internal error while validating: ${String(err)}` }] };
    }
  }

  private onBatch(source: ManifestSource, batch: SourceBatch): void {
    try {
      const updates = batch.updates.map((u) => {
        const ref: SourceRef = { kind: source.kind, location: u.location };
        let result: ManifestResult | undefined;
        if ('deleted' in u) {
          result = undefined;
          this.cache.delete(sourceKey(ref));
        } else if ('error' in u) result = { ok: false, errors: [{ source: ref, path: '', message: u.error }] };
        else result = this.cachedLoad(ref, u.content);
        return { ref, result };
      });
      if (updates.length > 0) this.desired.apply(updates);
      if (batch.full) this.desired.markSourceSynced(source.name);
    } catch (err) {
      // Listeners (pod workers, status) run inside apply(); their bugs must not escape into a source.
      this.logger.error({ source: source.name, err: err instanceof Error ? err.stack : String(err) }, 'failed to apply manifest batch');
    }
  }
}
