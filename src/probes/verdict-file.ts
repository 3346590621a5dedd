/**
 * The startup and readiness verdicts of running containers, kept in one small file in
 * staticlet's private root dir so that a restarted supervisor resumes from them. Without it an
 * adopted container would start over as "not started, not ready" until its probes pass again:
 * its pod would flap NotReady (and its mirror pod with it) on every supervisor restart, which
 * is what the kubelet's "restart should not change container status" e2e case forbids. Keyed by
 * container ID, so a new container instance never inherits a verdict.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '../safepath/index.js';
import type { Logger } from '../logging/logger.js';
import type { ProbeKind } from './types.js';

export type StoredVerdicts = Partial<Record<Exclude<ProbeKind, 'liveness'>, boolean>>;

/** What the prober needs of the store; tests use a Map-backed one. */
export interface VerdictStore {
  get(containerId: string): StoredVerdicts | undefined;
  set(containerId: string, kind: Exclude<ProbeKind, 'liveness'>, verdict: boolean): void;
  forget(containerId: string): void;
}

export const VERDICT_FILE = 'probe-verdicts.json';
/** Far beyond any real node (a few hundred containers, ~60 bytes each). */
const MAX_BYTES = 4 << 20;
const WRITE_DELAY_MS = 200;
/** Entries no adopted container claimed by then belong to containers that went while we were down. */
const UNCLAIMED_TTL_MS = 10 * 60_000;

export class VerdictFile implements VerdictStore {
  private readonly entries = new Map<string, StoredVerdicts>();
  private readonly unclaimed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly prune: NodeJS.Timeout;

  private constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {
    this.prune = setTimeout(() => {
      for (const id of this.unclaimed) this.entries.delete(id);
      if (this.unclaimed.size > 0) this.schedule();
      this.unclaimed.clear();
    }, UNCLAIMED_TTL_MS);
    this.prune.unref();
  }

  /** Loads `<rootDir>/probe-verdicts.json`; a missing or unreadable file is an empty store. */
  static async open(rootDir: string, logger: Logger): Promise<VerdictFile> {
    const store = new VerdictFile(join(rootDir, VERDICT_FILE), logger);
    const file = await readRegularFile(store.path, MAX_BYTES);
    if (!file) return store;
    try {
      const parsed = JSON.parse(file.data.toString('utf8')) as { containers?: Record<string, StoredVerdicts> };
      for (const [id, v] of Object.entries(parsed.containers ?? {})) {
        if (typeof v !== 'object' || v === null) continue;
        const clean: StoredVerdicts = {};
        if (typeof v.startup === 'boolean') clean.startup = v.startup;
        if (typeof v.readiness === 'boolean') clean.readiness = v.readiness;
        store.entries.set(id, clean);
        store.unclaimed.add(id);
      }
    } catch (err) {
      logger.warn({ file: store.path, err: (err as Error).message }, 'probe verdicts file unreadable; adopted containers start from fresh verdicts');
    }
    return store;
  }

  get(containerId: string): StoredVerdicts | undefined {
    this.unclaimed.delete(containerId);
    return this.entries.get(containerId);
  }

  set(containerId: string, kind: Exclude<ProbeKind, 'liveness'>, verdict: boolean): void {
    const e = this.entries.get(containerId) ?? {};
    if (e[kind] === verdict) return;
    e[kind] = verdict;
    this.entries.set(containerId, e);
    this.schedule();
  }

  forget(containerId: string): void {
    if (this.entries.delete(containerId)) this.schedule();
  }

  /** Writes what is pending now (shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.prune);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.write();
    }
    await this.writing;
  }

  /** Flips come in bursts (many pods probed in one slot): one write per burst. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }

  private write(): Promise<void> {
    const body = JSON.stringify({ containers: Object.fromEntries(this.entries) });
    // Writes queue behind each other: an older body never lands after a newer one.
    this.writing = this.writing.then(async () => {
      const tmp = `${this.path}.tmp`;
      try {
        await writeFile(tmp, body, { mode: 0o600 });
        await rename(tmp, this.path);
      } catch (err) {
        this.logger.warn({ file: this.path, err: (err as Error).message }, 'cannot save probe verdicts; a restart would start adopted containers as not ready');
      }
    });
    return this.writing;
  }
}
