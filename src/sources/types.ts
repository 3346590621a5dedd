import type { SourceKind } from '../config/identity.js';

/** What a source learned about one manifest location. */
export type SourceUpdate =
  | { location: string; content: Uint8Array }
  | { location: string; deleted: true }
  | { location: string; error: string };

export interface SourceBatch {
  updates: SourceUpdate[];
  /** True when the batch reflects a complete listing of the source (initial scan, rescan). */
  full: boolean;
}

/**
 * A place manifests come from. Sources report only what changed since their last report; a
 * consumer that applies every batch in order holds exactly the source's current content.
 */
export interface ManifestSource {
  readonly name: string;
  readonly kind: SourceKind;
  start(onBatch: (batch: SourceBatch) => void): Promise<void>;
  /** Forces a full re-read now (the periodic safety net calls this too). */
  resync(): Promise<void>;
  /**
   * A full re-read that reports every manifest, changed or not: what the consumer decided about
   * them is to be decided again (the validation schema changed). Sources without it are resynced.
   */
  reread?(): Promise<void>;
  stop(): Promise<void>;
}
