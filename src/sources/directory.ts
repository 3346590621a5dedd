import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../logging/logger.js';
import { isIgnoredManifestName } from './ignore.js';
import { readLimited, type OpenFile } from './read-limited.js';
import type { ManifestSource, SourceBatch, SourceUpdate } from './types.js';

/** The file system calls the source makes; node:fs/promises unless a test injects failures. */
export interface DirectoryFs {
  stat(path: string): Promise<Stats>;
  readdir(path: string): Promise<string[]>;
  /** Opens one manifest for reading. */
  open: OpenFile;
}

export interface DirectorySourceOptions {
  path: string;
  logger: Logger;
  maxBytes: number;
  /** Full re-read period, the safety net for missed events (kubelet: fileCheckFrequency, 20 s). */
  rescanMs: number;
  /** Quiet time after the last event on a file before it is read. */
  debounceMs?: number;
  /** A deleted file is confirmed this long before its pods go: editors delete and recreate on save. */
  deleteGraceMs?: number;
  /** A file written continuously is still read at least this often. */
  maxDelayMs?: number;
  /** How often the directory itself is checked: appeared, gone, or replaced by another one. */
  missingPollMs?: number;
  /** Replaces some of the file system calls (tests inject EACCES, EMFILE, EIO through it). */
  fs?: Partial<DirectoryFs>;
}

/**
 * chokidar drops a file's 'change' events for 50 ms after it reports one (and raw events for 5 ms),
 * so a second write soon after the first goes unreported. Every event therefore also schedules a
 * read once that window has passed; unchanged content is then not reported again.
 */
const CHOKIDAR_QUIET_MS = 60;

interface Known {
  hash: string;
  /** An unreadable file is remembered by its error, so the same error is not re-reported. */
  error?: string;
}

/**
 * The kubelet's static-pod directory: non-recursive, dotfiles and editor scratch files ignored.
 * Events only say which file to look at; what is reported is always what the file holds when it
 * is read, so lost, duplicated or reordered events cannot leave a wrong state.
 */
export class DirectorySource implements ManifestSource {
  readonly kind = 'file' as const;
  readonly name: string;
  private readonly dir: string;
  private readonly known = new Map<string, Known>();
  private watcher: FSWatcher | undefined;
  private onBatch: ((b: SourceBatch) => void) | undefined;
  /** Paths to read: `at` is the next read, `recheck` one more read after chokidar's quiet window. */
  private readonly due = new Map<string, { at: number; first: number; recheck: number }>();
  private timer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  /** dev:ino of the directory the watcher was started on. */
  private watchedIdentity: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly stopping: Promise<void>;
  private signalStop: () => void = () => undefined;
  private present = false;
  private warnedMissing = false;
  private readonly debounceMs: number;
  private readonly deleteGraceMs: number;
  private readonly maxDelayMs: number;
  private readonly missingPollMs: number;
  private readonly fs: DirectoryFs;

  constructor(private readonly opts: DirectorySourceOptions) {
    this.dir = resolve(opts.path);
    this.name = `file:${this.dir}`;
    this.debounceMs = opts.debounceMs ?? 15;
    this.deleteGraceMs = opts.deleteGraceMs ?? 150;
    this.maxDelayMs = opts.maxDelayMs ?? 500;
    this.missingPollMs = opts.missingPollMs ?? 1000;
    this.fs = { stat, readdir, open, ...opts.fs };
    this.stopping = new Promise((r) => (this.signalStop = r));
  }

  async start(onBatch: (batch: SourceBatch) => void): Promise<void> {
    this.onBatch = onBatch;
    await this.resync();
    if (this.stopped) return; // stopped while listing: no timers to leave behind
    this.rescanTimer = setInterval(() => void this.resync(), this.opts.rescanMs);
    this.rescanTimer.unref();
    // A removed or replaced directory is not always evented (the watch follows the old inode),
    // so its identity is checked with one stat a period rather than waiting for the rescan.
    this.checkTimer = setInterval(() => void this.checkDirectory(), this.missingPollMs);
    this.checkTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    clearInterval(this.rescanTimer);
    clearTimeout(this.timer);
    clearInterval(this.checkTimer);
    await this.closeWatcher();
    await this.chain;
  }

  /** Full listing: reads every manifest, reports what changed and what disappeared. */
  resync(): Promise<void> {
    return this.serialize(async () => {
      if (this.stopped) return;
      let names: string[];
      let identity: string;
      try {
        const st = await this.fs.stat(this.dir);
        if (!st.isDirectory()) throw Object.assign(new Error(`${this.dir} is not a directory`), { code: 'ENOTDIR' });
        identity = `${st.dev}:${st.ino}`;
        names = await this.fs.readdir(this.dir);
      } catch (err) {
        await this.directoryMissing(err as NodeJS.ErrnoException);
        return;
      }
      if (!this.present) {
        this.present = true;
        this.opts.logger.info({ path: this.dir }, 'watching static pod directory');
      }
      if (this.watcher && this.watchedIdentity !== identity) {
        this.opts.logger.info({ path: this.dir }, 'static pod directory was replaced; watching the new one');
        await this.closeWatcher();
      }
      // Watch before listing: a file written between the two is then either listed or evented.
      if (!this.watcher) {
        this.watchedIdentity = identity;
        await this.startWatcher();
        if (this.stopped) {
          await this.closeWatcher();
          return;
        }
        names = await this.fs.readdir(this.dir).catch(() => names);
      }
      const seen = new Set<string>();
      const updates: SourceUpdate[] = [];
      for (const name of names.sort()) {
        if (isIgnoredManifestName(name)) continue;
        const path = join(this.dir, name);
        const u = await this.look(path);
        if (u !== 'not-a-manifest') seen.add(path);
        if (u && u !== 'not-a-manifest') updates.push(u);
      }
      for (const path of [...this.known.keys()]) {
        if (!seen.has(path)) {
          this.known.delete(path);
          updates.push({ location: path, deleted: true });
        }
      }
      this.emit({ updates, full: true });
    });
  }

  private async directoryMissing(err: NodeJS.ErrnoException): Promise<void> {
    if (this.present || !this.warnedMissing) {
      this.warnedMissing = true;
      this.opts.logger.warn({ path: this.dir, err: err.message }, 'static pod directory is not available; waiting for it to appear');
    }
    this.present = false;
    await this.closeWatcher();
    // The kubelet reports an empty set for a missing directory: its pods are no longer desired.
    const updates: SourceUpdate[] = [...this.known.keys()].map((location) => ({ location, deleted: true as const }));
    this.known.clear();
    this.emit({ updates, full: true });
  }

  /** Resyncs when the directory appeared, disappeared or is another one than the watched. */
  private async checkDirectory(): Promise<void> {
    let identity: string | undefined;
    try {
      const st = await this.fs.stat(this.dir);
      if (st.isDirectory()) identity = `${st.dev}:${st.ino}`;
    } catch {
      // Missing: identity stays undefined.
    }
    const watched = this.present ? this.watchedIdentity : undefined;
    if (identity !== watched && !this.stopped) await this.resync();
  }

  private async startWatcher(): Promise<void> {
    const root = this.dir;
    const w = watch(root, {
      depth: 0,
      ignoreInitial: true,
      // We coalesce and confirm ourselves; chokidar's own delays would only add latency.
      atomic: false,
      ignored: (p: string) => p !== root && isIgnoredManifestName(p),
    });
    const touched = (kind: 'write' | 'delete') => (p: string) => {
      if (resolve(p, '..') === root) this.schedule(p, kind);
    };
    w.on('add', touched('write'));
    w.on('change', touched('write'));
    w.on('unlink', touched('delete'));
    w.on('unlinkDir', (p: string) => {
      if (resolve(p) === root) void this.resync();
    });
    w.on('error', (err: unknown) => {
      this.opts.logger.warn({ path: root, err: String(err) }, 'watch error; rescanning');
      void this.resync();
    });
    this.watcher = w;
    // chokidar treats files it meets before 'ready' as initial and never reports them.
    await Promise.race([new Promise<void>((r) => w.once('ready', () => r())), this.stopping]);
  }

  private async closeWatcher(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    if (w) await w.close();
  }

  private schedule(path: string, kind: 'write' | 'delete'): void {
    const now = Date.now();
    const prev = this.due.get(path);
    const first = prev?.first ?? now;
    const wait = kind === 'delete' ? this.deleteGraceMs : this.debounceMs;
    const at = Math.min(now + wait, first + this.maxDelayMs);
    this.due.set(path, { at, first, recheck: Math.max(at, now + CHOKIDAR_QUIET_MS) });
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.due.size === 0 || this.stopped) return;
    const next = Math.min(...[...this.due.values()].map((d) => d.at));
    this.timer = setTimeout(() => void this.flush(), Math.max(0, next - Date.now()));
  }

  private flush(): Promise<void> {
    return this.serialize(async () => {
      const now = Date.now();
      const ready = [...this.due.entries()].filter(([, d]) => d.at <= now).map(([p]) => p);
      for (const p of ready) {
        const d = this.due.get(p)!;
        if (d.recheck > d.at) this.due.set(p, { at: d.recheck, first: d.recheck, recheck: d.recheck });
        else this.due.delete(p);
      }
      this.arm();
      const updates: SourceUpdate[] = [];
      for (const path of ready.sort()) {
        const u = await this.look(path);
        if (u === 'not-a-manifest') {
          if (this.known.delete(path)) updates.push({ location: path, deleted: true });
        } else if (u) {
          updates.push(u);
        }
      }
      if (updates.length > 0) this.emit({ updates, full: false });
    });
  }

  /**
   * Reads one path and compares it with what was last reported. Returns the update to report,
   * undefined when nothing changed, or 'not-a-manifest' for subdirectories and other non-files.
   */
  private async look(path: string): Promise<SourceUpdate | undefined | 'not-a-manifest'> {
    const r = await readLimited(path, this.opts.maxBytes, this.fs.open);
    const before = this.known.get(path);
    if ('missing' in r) {
      if (!before) return 'not-a-manifest';
      this.known.delete(path);
      return { location: path, deleted: true };
    }
    if ('notFile' in r) return 'not-a-manifest';
    if ('error' in r) {
      if (before?.error === r.error) return undefined;
      this.known.set(path, { hash: '', error: r.error });
      return { location: path, error: r.error };
    }
    const hash = createHash('sha256').update(r.content).digest('hex');
    if (before && !before.error && before.hash === hash) return undefined;
    this.known.set(path, { hash });
    return { location: path, content: r.content };
  }

  private emit(batch: SourceBatch): void {
    if (this.stopped || !this.onBatch) return;
    this.onBatch(batch);
  }

  private serialize(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn, fn).catch((err: unknown) => {
      this.opts.logger.error({ path: this.dir, err: String(err) }, 'directory source failed; the next rescan retries');
    });
    this.chain = next;
    return next;
  }
}
