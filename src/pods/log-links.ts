import { lstat, mkdir, readdir, readlink, rename, stat, symlink, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  CONTAINER_NAME_LABEL,
  parseContainerAnnotations,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
  managedSelector,
  type Container,
  type Runtime,
} from '../runtime/index.js';
import { isSafePathComponent } from '../lib/path-component.js';
import type { Logger } from '../logging/logger.js';
import type { PodDeps } from './deps.js';
import { containerLogPath, OWNER_MARKER, podLogDir } from './log-paths.js';

/**
 * The kubelet's /var/log/containers entries, which log shippers tail:
 *   <pod>_<namespace>_<container>-<containerID>.log -> <podLogsDir>/.../<restartCount>.log
 * one per container the runtime holds. Kept level-triggered: `reconcileLogLinks` makes the
 * directory match the runtime's containers, so a restart of staticlet (or a lost link) is
 * repaired at the next pass.
 */
const SUFFIX = '.log';
/** How long a relist-triggered pass may wait, coalescing the kicks of a burst. */
export const KICK_DELAY_MS = 2_000;
/** ext4 file names are at most 255 bytes; the kubelet cuts the name before the suffix. */
const MAX_NAME = 255;

export function logLinkName(podName: string, namespace: string, container: string, containerId: string): string {
  const base = `${podName}_${namespace}_${container}-${containerId}`;
  return `${base.length > MAX_NAME - SUFFIX.length ? base.slice(0, MAX_NAME - SUFFIX.length) : base}${SUFFIX}`;
}

export interface LogLink {
  /** File name in the links directory. */
  name: string;
  /** Absolute path of the CRI log file. */
  target: string;
}

/** The link of one runtime container; undefined when its labels do not say whose it is. */
export function logLinkOf(c: Pick<Container, 'id' | 'labels' | 'annotations'>, podLogsDir: string): LogLink | undefined {
  const name = c.labels[POD_NAME_LABEL];
  const namespace = c.labels[POD_NAMESPACE_LABEL];
  const uid = c.labels[POD_UID_LABEL];
  const container = c.labels[CONTAINER_NAME_LABEL];
  const restartCount = parseContainerAnnotations(c.annotations).restartCount;
  if (!name || !namespace || !uid || !container || restartCount === undefined) return undefined;
  // Labels can say anything; only a UID that can name a log directory has one.
  if (!isSafePathComponent(uid)) return undefined;
  return {
    name: logLinkName(name, namespace, container, c.id),
    target: resolve(podLogDir(podLogsDir, namespace, name, uid), containerLogPath(container, restartCount)),
  };
}

/** Creates or corrects one link; atomic, so a shipper never sees it missing. */
export async function ensureLogLink(dir: string, link: LogLink): Promise<boolean> {
  const path = join(dir, link.name);
  const current = await readlink(path).catch(() => undefined);
  if (current === link.target) return false;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = `${path}.tmp-${process.pid}`;
  await unlink(tmp).catch(() => undefined);
  await symlink(link.target, tmp);
  await rename(tmp, path);
  return true;
}

/**
 * A link is staticlet's when it points into podLogsDir, at a pod directory that carries our
 * marker or no longer exists (a pruned pod); a kubelet sharing the directories keeps its own.
 */
async function ours(target: string, podLogsDir: string): Promise<boolean> {
  if (!isAbsolute(target)) return false;
  const root = resolve(podLogsDir);
  const rel = relative(root, target);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return false;
  const podDir = join(root, rel.split('/')[0]!);
  const dirExists = await stat(podDir).then(
    () => true,
    () => false,
  );
  if (!dirExists) return true;
  return stat(join(podDir, OWNER_MARKER)).then(
    () => true,
    () => false,
  );
}

export interface LinkChanges {
  created: string[];
  removed: string[];
}

/** Makes `dir` hold exactly the links of `containers` among the links that are staticlet's. */
export async function reconcileLogLinks(
  dir: string,
  podLogsDir: string,
  containers: ReadonlyArray<Pick<Container, 'id' | 'labels' | 'annotations'>>,
  listedAt = Infinity,
): Promise<LinkChanges> {
  const out: LinkChanges = { created: [], removed: [] };
  if (!dir) return out;
  const want = new Map<string, LogLink>();
  for (const c of containers) {
    const l = logLinkOf(c, podLogsDir);
    if (l) want.set(l.name, l);
  }
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch {
    // Not there yet: created with the first link.
  }
  for (const e of entries) {
    if (want.has(e) || !e.endsWith(SUFFIX)) continue;
    const path = join(dir, e);
    const target = await readlink(path).catch(() => undefined);
    if (target === undefined || !(await ours(target, podLogsDir))) continue;
    // Made after the container list was taken: its container is simply not in the list.
    const made = await lstat(path).then((st) => st.mtimeMs, () => 0);
    if (made >= listedAt) continue;
    await unlink(path).catch(() => undefined);
    out.removed.push(e);
  }
  for (const l of want.values()) if (await ensureLogLink(dir, l)) out.created.push(l.name);
  return out;
}

/**
 * Runs reconcileLogLinks against the runtime's containers, one pass at a time; a kick during a
 * pass asks for one more.
 */
export class LogLinkKeeper {
  private running: Promise<void> | undefined;
  private again = false;
  private soon: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: Pick<Runtime, 'listContainers'>,
    private readonly dir: string,
    private readonly podLogsDir: string,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * A pass within `delayMs`, however many kicks arrive meanwhile: during a burst of starts every
   * relist sees changes, and links of new containers are made at creation anyway.
   */
  kickSoon(delayMs = KICK_DELAY_MS): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.kick();
    }, delayMs);
    this.soon.unref();
  }

  /** Resolves when no pass is running (shutdown waits for the one in flight). */
  async idle(): Promise<void> {
    clearTimeout(this.soon);
    this.soon = undefined;
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        const listedAt = Date.now();
        const containers = await this.runtime.listContainers({ labelSelector: managedSelector() });
        const r = await reconcileLogLinks(this.dir, this.podLogsDir, containers, listedAt);
        if (r.created.length + r.removed.length > 0) this.logger.info({ dir: this.dir, created: r.created.length, removed: r.removed.length }, 'container log links updated');
      } catch (err) {
        this.logger.warn({ dir: this.dir, err: (err as Error).message }, 'cannot update container log links');
      }
    } while (this.again);
  }
}

/** The link of a container just created, at once rather than at the next relist. */
export async function linkContainerLog(deps: Pick<PodDeps, 'node' | 'logger'>, pod: { name: string; namespace: string }, container: string, id: string, logFile: string): Promise<void> {
  const dir = deps.node.containerLogLinksDir;
  if (!dir) return;
  try {
    await ensureLogLink(dir, { name: logLinkName(pod.name, pod.namespace, container, id), target: resolve(logFile) });
  } catch (err) {
    // The next reconcile pass retries; a missing link must not fail the container.
    deps.logger.warn({ dir, err: (err as Error).message }, 'cannot create container log link');
  }
}
