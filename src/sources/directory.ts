import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../logging/logger.js';
import { untrustedDirReason, untrustedReason, type TrustPolicy } from '../safepath/index.js';
import { isBackupCopyName, isIgnoredManifestName } from './ignore.js';
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
  /**
   * A file modified less than this long ago, or whose size or time moved while it was read, is
   * taken as still being written: it is read again once it has been quiet this long, instead of
   * parsing a partial copy. The first listing reads files as they are.
   */
  settleMs?: number;
  /** A file still being written after this long is read anyway (an endless writer, a wrong clock). */
  maxSettleMs?: number;
  /**
   * How often the path itself is checked: appeared, gone, replaced by another one, changed (a
   * file given as the path) or, while it cannot be read, whether it can be again.
   */
  missingPollMs?: number;
  /** Replaces some of the file system calls (tests inject EACCES, EMFILE, EIO through it). */
  fs?: Partial<DirectoryFs>;
  /**
   * Refuse manifests that someone other than a trusted owner could have written (the file, or a
   * directory from / down to it: see safepath/trust.ts). `allowInsecure` reads them anyway,
   * with a warning. Without this option nothing is checked.
   */
  trust?: { policy: TrustPolicy; allowInsecure: boolean };
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

/** What the manifest path was at one look. */
type PathState =
  | { kind: 'dir'; identity: string; names: string[] }
  | { kind: 'file'; identity: string }
  /** Nothing there: ENOENT, or ENOTDIR (a parent is not a directory). No manifests. */
  | { kind: 'missing'; reason: string }
  /** It could not be looked at (EACCES, EMFILE, EIO, ELOOP, ...): that says nothing about the manifests. */
  | { kind: 'failed'; reason: string };

/** A directory by its inode; a file also by its size and times, so that an edit in place changes it. */
function identityOf(st: Stats): string | undefined {
  if (st.isDirectory()) return `dir:${st.dev}:${st.ino}`;
  if (st.isFile()) return `file:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  return undefined;
}

function classify(err: unknown): PathState & { kind: 'missing' | 'failed' } {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = err instanceof Error ? err.message : String(err);
  return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing', reason } : { kind: 'failed', reason };
}

/** stat then readdir can race a swap of the path; a listing that raced is tried this often. */
const INSPECT_ATTEMPTS = 3;

/**
 * The kubelet's static-pod directory: non-recursive, dotfiles and editor scratch files ignored.
 * Events only say which file to look at; what is reported is always what the file holds when it
 * is read, so lost, duplicated or reordered events cannot leave a wrong state.
 *
 * A regular file as the path is one manifest, as in the kubelet. Only a path that does not exist
 * means no manifests: one that cannot be read keeps the last listing (its pods keep running) and
 * is retried every check period.
 */
export class DirectorySource implements ManifestSource {
  readonly kind = 'file' as const;
  readonly name: string;
  private readonly dir: string;
  private readonly known = new Map<string, Known>();
  private watcher: FSWatcher | undefined;
  /** Settles once the watcher's initial scan is done (its 'ready'). */
  private watcherReady: Promise<void> = Promise.resolve();
  private onBatch: ((b: SourceBatch) => void) | undefined;
  /** Paths to read: `at` is the next read, `recheck` one more read after chokidar's quiet window. */
  private readonly due = new Map<string, { at: number; first: number; recheck: number }>();
  private timer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  /** What the path was at the last listing that succeeded; undefined while it does not exist. */
  private mode: 'dir' | 'file' | undefined;
  /** identityOf() the path at that listing (for a directory, the one watched). */
  private identity: string | undefined;
  /** The error text while the path cannot be read: logged when it first appears or changes. */
  private failure: string | undefined;
  private checking = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly stopping: Promise<void>;
  private signalStop: () => void = () => undefined;
  private warnedMissing = false;
  private readonly debounceMs: number;
  private readonly deleteGraceMs: number;
  private readonly maxDelayMs: number;
  private readonly missingPollMs: number;
  private readonly settleMs: number;
  private readonly maxSettleMs: number;
  /** Files put off as still being written, and since when. */
  private readonly unsettled = new Map<string, number>();
  /** Set once the first listing was reported: files are read as they are until then. */
  private listed = false;
  /** reread() asked for the next listing to report unchanged manifests too. */
  private rereadPending = false;
  /** The listing running now reports unchanged manifests too. */
  private rereading = false;
  private readonly fs: DirectoryFs;
  /** Why the directory chain is not trusted (every manifest in it is refused), as last checked. */
  private dirDistrust: string | undefined;
  /** The directory's real path when its chain was last checked (a link to it may move). */
  private realDir: string | undefined;
  /** Backup copies seen at the last directory listing. */
  private ignored: string[] = [];
  /** Insecure manifests already warned about (with --allow-insecure-manifests), by path and reason. */
  private readonly warnedInsecure = new Set<string>();

  constructor(private readonly opts: DirectorySourceOptions) {
    this.dir = resolve(opts.path);
    this.name = `file:${this.dir}`;
    this.debounceMs = opts.debounceMs ?? 15;
    this.deleteGraceMs = opts.deleteGraceMs ?? 150;
    this.maxDelayMs = opts.maxDelayMs ?? 500;
    this.missingPollMs = opts.missingPollMs ?? 1000;
    this.settleMs = opts.settleMs ?? 100;
    this.maxSettleMs = opts.maxSettleMs ?? 5000;
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
    // and a file as the path is not watched, so the path is checked with one stat a period rather
    // than waiting for the rescan. The same check retries a path that could not be read.
    this.checkTimer = setInterval(() => void this.checkDirectory(), this.missingPollMs);
    this.checkTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    clearInterval(this.rescanTimer);
    clearTimeout(this.timer);
    clearInterval(this.checkTimer);
    await this.closeWatcher(true);
    await this.chain;
  }

  /** Full listing: reads every manifest, reports what changed and what disappeared. */
  resync(): Promise<void> {
    return this.serialize(async () => {
      if (this.stopped) return;
      this.rereading = this.rereadPending;
      this.rereadPending = false;
      try {
        await this.list();
      } finally {
        this.rereading = false;
      }
    });
  }

  /** Backup copies left unread at the last listing, by path. */
  ignoredFiles(): string[] {
    return [...this.ignored];
  }

  reread(): Promise<void> {
    this.rereadPending = true;
    return this.resync();
  }

  private async list(): Promise<void> {
    const state = await this.inspect();
    if (this.stopped) return;
    if (state.kind === 'failed') {
      this.unreadable(state.reason);
      return;
    }
    if (state.kind === 'missing') {
      await this.missing(state.reason);
      return;
    }
    if (this.failure !== undefined) {
      this.opts.logger.info({ path: this.dir }, 'static pod path can be read again');
      this.failure = undefined;
    }
    await this.checkTrust(state.kind === 'file' ? dirname(this.dir) : this.dir);
    if (state.kind === 'file') await this.listFile(state.identity);
    else await this.listDirectory(state.identity, state.names);
  }

  private async inspect(): Promise<PathState> {
    for (let attempt = 1; ; attempt++) {
      let st: Stats;
      try {
        st = await this.fs.stat(this.dir);
      } catch (err) {
        return classify(err);
      }
      const identity = identityOf(st);
      if (identity === undefined) return { kind: 'failed', reason: `${this.dir} is neither a directory nor a regular file` };
      if (st.isFile()) return { kind: 'file', identity };
      try {
        return { kind: 'dir', identity, names: await this.fs.readdir(this.dir) };
      } catch (err) {
        const r = classify(err);
        // Gone or no longer a directory since the stat: it was swapped, so look at what is there now.
        if (r.kind === 'failed' || attempt >= INSPECT_ATTEMPTS) return r;
      }
    }
  }

  private async listDirectory(identity: string, listed: string[]): Promise<void> {
    let names = listed;
    if (this.watcher && this.identity !== identity) {
      this.opts.logger.info({ path: this.dir }, 'static pod directory was replaced; watching the new one');
      await this.closeWatcher();
    } else if (this.mode !== 'dir') {
      this.opts.logger.info({ path: this.dir }, 'watching static pod directory');
    }
    this.mode = 'dir';
    this.identity = identity;
    // Watch before listing: a file written between the two is then either listed or evented.
    if (!this.watcher) {
      await this.startWatcher();
      if (this.stopped) {
        await this.closeWatcher(true);
        return;
      }
      names = await this.fs.readdir(this.dir).catch(() => names);
    }
    const seen = new Set<string>();
    const updates: SourceUpdate[] = [];
    const ignored: string[] = [];
    for (const name of names.sort()) {
      if (isIgnoredManifestName(name)) {
        if (isBackupCopyName(name)) ignored.push(join(this.dir, name));
        continue;
      }
      const path = join(this.dir, name);
      const u = await this.look(path);
      if (u !== 'not-a-manifest') seen.add(path);
      if (u && u !== 'not-a-manifest' && u !== 'unsettled') updates.push(u);
    }
    if (ignored.join('\0') !== this.ignored.join('\0') && ignored.length > 0) {
      this.opts.logger.info({ path: this.dir, files: ignored }, 'backup copies in the static pod directory are not read as manifests');
    }
    this.ignored = ignored;
    this.forgetUnseen(seen, updates);
    this.emit({ updates, full: true });
  }

  /**
   * Checks the chain of directories down to `dir` and remembers the verdict. A change of verdict
   * is logged; the listing that follows reads every manifest, so a fixed `chmod` takes effect
   * without a restart and a broken one refuses them (their running pods are kept).
   */
  private async checkTrust(dir: string): Promise<boolean> {
    const trust = this.opts.trust;
    if (!trust) return false;
    const reason = await untrustedDirReason(dir, trust.policy);
    this.realDir = await realpath(dir).catch(() => undefined);
    const changed = reason !== this.dirDistrust;
    if (changed) {
      if (reason === undefined) this.opts.logger.info({ path: dir }, 'static pod directory is trusted again');
      else if (trust.allowInsecure) this.opts.logger.warn({ path: dir, reason }, 'static pod directory could be written by others; reading it anyway (--allow-insecure-manifests)');
      else this.opts.logger.warn({ path: dir, reason }, 'static pod directory could be written by others; refusing its manifests');
    }
    this.dirDistrust = reason;
    return changed;
  }

  /**
   * Why a manifest (its opened file's fstat) is refused, or undefined. A manifest reached by a
   * symlink out of the directory also needs the chain of the directory it lives in.
   */
  private async manifestCheck(path: string): Promise<((st: Stats) => string | undefined) | undefined> {
    const trust = this.opts.trust;
    if (!trust) return undefined;
    let chain = this.dirDistrust;
    if (chain === undefined) {
      const real = await realpath(path).catch(() => undefined);
      if (real !== undefined && dirname(real) !== this.realDir && real !== this.realDir) chain = await untrustedDirReason(dirname(real), trust.policy);
    }
    return (st) => {
      const reason = chain ?? untrustedReason(st, `manifest ${path}`, trust.policy);
      if (reason === undefined) return undefined;
      const refusal = `refused: ${reason}; it could have been written by someone other than root (fix the owner or mode, or run with --allow-insecure-manifests)`;
      if (!trust.allowInsecure) return refusal;
      const key = `${path}\0${reason}`;
      if (!this.warnedInsecure.has(key)) {
        this.warnedInsecure.add(key);
        this.opts.logger.warn({ path, reason }, 'reading a manifest others could have written (--allow-insecure-manifests)');
      }
      return undefined;
    };
  }

  /** The path is one manifest, reported under its own name. */
  private async listFile(identity: string): Promise<void> {
    if (this.mode !== 'file') this.opts.logger.info({ path: this.dir }, 'static pod path is a file; reading it as one manifest');
    // A directory watch has nothing to say about a file: the path check follows its size and times.
    await this.closeWatcher();
    this.mode = 'file';
    const u = await this.look(this.dir);
    const gone = u === 'not-a-manifest' || (typeof u === 'object' && 'deleted' in u);
    // Gone or replaced since the stat: forgetting the identity makes the next check look again.
    this.identity = gone ? undefined : identity;
    const updates: SourceUpdate[] = typeof u === 'object' ? [u] : [];
    this.forgetUnseen(new Set(gone ? [] : [this.dir]), updates);
    this.emit({ updates, full: true });
  }

  /** Every manifest reported earlier that this listing did not see is deleted. */
  private forgetUnseen(seen: ReadonlySet<string>, updates: SourceUpdate[]): void {
    for (const path of [...this.known.keys()]) {
      if (!seen.has(path)) {
        this.known.delete(path);
        updates.push({ location: path, deleted: true });
      }
    }
  }

  private async missing(reason: string): Promise<void> {
    if (this.mode !== undefined || !this.warnedMissing) {
      this.warnedMissing = true;
      this.opts.logger.warn({ path: this.dir, err: reason }, 'static pod path does not exist; waiting for it to appear');
    }
    this.mode = undefined;
    this.identity = undefined;
    this.failure = undefined;
    await this.closeWatcher();
    // The kubelet reports an empty set for a missing path: its pods are no longer desired.
    const updates: SourceUpdate[] = [...this.known.keys()].map((location) => ({ location, deleted: true as const }));
    this.known.clear();
    this.emit({ updates, full: true });
  }

  /**
   * The path could not be looked at (an exhausted fd table, an LSM denial, a disk error). That
   * is no evidence that the manifests are gone, so nothing is reported: the last listing stands,
   * a first listing stays missing (the source is not synced), and the path check retries.
   */
  private unreadable(reason: string): void {
    if (reason !== this.failure) {
      const msg = this.mode ? 'cannot read the static pod path; keeping its last listed manifests and retrying' : 'cannot read the static pod path; retrying';
      this.opts.logger.warn({ path: this.dir, err: reason }, msg);
    }
    this.failure = reason;
  }

  /**
   * Resyncs when the path appeared, disappeared, is another one than listed or (a file) changed,
   * and on every period while it cannot be read.
   */
  private async checkDirectory(): Promise<void> {
    // A stat that hangs (a stuck network mount) must not queue a resync per period behind it.
    if (this.checking) return;
    this.checking = true;
    try {
      let identity: string | undefined;
      try {
        identity = identityOf(await this.fs.stat(this.dir));
      } catch {
        // Missing or unreadable: identity stays undefined and the resync tells which.
      }
      if (this.stopped) return;
      // A chmod or chown of a directory on the path raises no event here: it is looked at each period.
      const distrustChanged = this.mode !== undefined && (await this.checkTrust(this.mode === 'file' ? dirname(this.dir) : this.dir));
      if (this.failure !== undefined || identity !== this.identity || distrustChanged) await this.resync();
      else await this.rereadUnreadable();
    } finally {
      this.checking = false;
    }
  }

  /**
   * Files whose last read failed are read again every check: a transient EMFILE or EACCES on one
   * file then clears within a period, not at the next rescan. (An oversize file is re-read too;
   * that costs an open and an fstat, as readLimited stops at the size.)
   */
  private rereadUnreadable(): Promise<void> {
    const paths = [...this.known].filter(([, k]) => k.error !== undefined).map(([p]) => p);
    if (paths.length === 0) return Promise.resolve();
    return this.serialize(async () => {
      const updates = await this.readPaths(paths);
      if (updates.length > 0) this.emit({ updates, full: false });
    });
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
    this.watcherReady = new Promise<void>((r) => w.once('ready', () => r()));
    // chokidar treats files it meets before 'ready' as initial and never reports them.
    await Promise.race([this.watcherReady, this.stopping]);
  }

  /**
   * `final` (the source stops): closed during its initial scan, chokidar can still open an
   * fs.watch handle afterwards, which nothing closes and which keeps the process alive (a test
   * file hung on one in CI), so the scan may finish first, for a bounded while. A watcher
   * replaced while running is closed at once: a swapped directory is followed without delay.
   */
  private async closeWatcher(final = false): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    if (!w) return;
    if (final) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.watcherReady, new Promise<void>((r) => (timer = setTimeout(r, 2_000)))]);
      clearTimeout(timer);
    }
    await w.close();
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
      const updates = await this.readPaths(ready.sort());
      if (updates.length > 0) this.emit({ updates, full: false });
    });
  }

  /** Reads paths outside a full listing: one that is no longer a manifest is deleted. */
  private async readPaths(paths: readonly string[]): Promise<SourceUpdate[]> {
    const updates: SourceUpdate[] = [];
    for (const path of paths) {
      if (this.stopped) break;
      const u = await this.look(path);
      if (u === 'not-a-manifest') {
        if (this.known.delete(path)) updates.push({ location: path, deleted: true });
      } else if (typeof u === 'object') {
        updates.push(u);
      }
    }
    return updates;
  }

  /**
   * Reads one path and compares it with what was last reported. Returns the update to report,
   * undefined when nothing changed, 'not-a-manifest' for subdirectories and other non-files, or
   * 'unsettled' for a file still being written (put off; what was reported for it stands).
   */
  private async look(path: string): Promise<SourceUpdate | undefined | 'not-a-manifest' | 'unsettled'> {
    const r = await readLimited(path, this.opts.maxBytes, this.fs.open, await this.manifestCheck(path));
    if ('content' in r && this.putOff(path, r.mtimeMs, r.changed)) return 'unsettled';
    // A file growing past the limit is refused once it stops, with its final size.
    if ('error' in r && r.mtimeMs !== undefined && this.putOff(path, r.mtimeMs, false)) return 'unsettled';
    this.unsettled.delete(path);
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
    if (before && !before.error && before.hash === hash && !this.rereading) return undefined;
    this.known.set(path, { hash });
    return { location: path, content: r.content };
  }

  /**
   * Whether a file just read looks half-written, in which case a read is scheduled for when it
   * has been quiet for settleMs. A copy taken mid-write is mostly a parse error or a pod that
   * is about to change again; a large one costs a full parse for nothing.
   */
  private putOff(path: string, mtimeMs: number, changed: boolean): boolean {
    if (!this.listed) return false;
    const now = Date.now();
    const age = now - mtimeMs;
    // A modification time in the future (a clock step, touch -d) says nothing about writing.
    if (!changed && !(age >= 0 && age < this.settleMs)) return false;
    const since = this.unsettled.get(path) ?? now;
    if (now - since >= this.maxSettleMs) return false;
    this.unsettled.set(path, since);
    const at = now + (changed ? this.settleMs : this.settleMs - age);
    const d = this.due.get(path);
    if (!d || d.at > at) {
      this.due.set(path, { at, first: at, recheck: Math.max(d?.recheck ?? 0, at) });
      this.arm();
    }
    return true;
  }

  private emit(batch: SourceBatch): void {
    if (this.stopped || !this.onBatch) return;
    this.listed = true;
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
