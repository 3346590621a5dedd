import { createHash } from 'node:crypto';
import type { Rejection } from '../config/desired-state.js';
import { clip, errorCount, formatManifestError } from '../config/manifest.js';
import type { Logger } from '../logging/logger.js';

/** Errors written per rejection line; the rest are counted. */
export const LOGGED_ERRORS = 8;
/** One error as written: with the location, path and message each already cut, a few hundred suffice. */
export const LOGGED_ERROR_CHARS = 384;
/** The same rejection of the same file is written once per window. */
export const REPEAT_WINDOW_MS = 60_000;
/** Files remembered for deduplication; the oldest is forgotten first. */
const MAX_REMEMBERED = 1024;

interface Logged {
  signature: string;
  at: number;
  /** Identical rejections seen since `at` and not written. */
  suppressed: number;
}

/**
 * Writes manifest rejections as one bounded line each: a file rewritten in a loop with the same
 * mistake (or deleted and recreated) gives one line a minute, not one per write, and a file
 * with thousands of mistakes gives the first few and a count.
 */
export class RejectionLog {
  private readonly logged = new Map<string, Logged>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  rejected(r: Rejection): void {
    const lines = r.errors.slice(0, LOGGED_ERRORS).map((e) => clip(formatManifestError(e), LOGGED_ERROR_CHARS));
    const total = errorCount(r.errors);
    const location = r.source.location;
    const signature = createHash('sha256')
      .update(r.errors.map(formatManifestError).join('\n'))
      .update(`\n${r.keptPods.length}`)
      .digest('hex');
    const now = this.now();
    const before = this.logged.get(location);
    if (before && before.signature === signature && now - before.at < REPEAT_WINDOW_MS) {
      before.suppressed++;
      return;
    }
    this.logged.delete(location);
    this.logged.set(location, { signature, at: now, suppressed: 0 });
    if (this.logged.size > MAX_REMEMBERED) this.logged.delete(this.logged.keys().next().value!);
    const fields: Record<string, unknown> = { source: clip(location, LOGGED_ERROR_CHARS), errors: lines, keptPods: r.keptPods.slice(0, LOGGED_ERRORS) };
    if (r.keptPods.length > LOGGED_ERRORS) fields.keptPodCount = r.keptPods.length;
    // Only the entries shown are counted out: a cut list's own "and N more" is one of them.
    const hidden = total - errorCount(r.errors.slice(0, LOGGED_ERRORS));
    if (hidden > 0) fields.moreErrors = hidden;
    if (before && before.signature === signature && before.suppressed > 0) fields.repeated = before.suppressed;
    this.logger.error(fields, r.keptPods.length > 0 ? 'manifest rejected; its last accepted pods keep running' : 'manifest rejected');
  }
}
