import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCriLog } from '../logs/cri-format.js';
import { CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION, CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION, type ContainerStatus } from '../runtime/index.js';
import { podDir } from '../volumes/paths.js';
import type { NodeContext } from '../node/context.js';
import { readRegularFile, using } from '../safepath/index.js';
import { ensurePodSubdir } from '../volumes/paths.js';

/**
 * Termination messages the kubelet's way: every container gets a host file mounted at its
 * terminationMessagePath; when the container has exited, what it wrote there (or, with
 * FallbackToLogsOnError after a failure, the end of its log) becomes `terminated.message`.
 */

/** The kubelet reads at most this much of the file... */
export const MAX_MESSAGE_BYTES = 4096;
/** ...and, falling back to the log, at most this many lines and bytes of its end. */
export const FALLBACK_LOG_LINES = 80;
export const FALLBACK_LOG_BYTES = 2048;

/** Instances whose message files are kept: the current and the previous, as for containers. */
const KEEP_INSTANCES = 2;

export function terminationMessageFile(node: Pick<NodeContext, 'rootDir'>, uid: string, container: string, restartCount: number): string {
  return join(podDir(node, uid), 'containers', container, `termination-log-${restartCount}`);
}

/**
 * An empty, world-writable file for the instance about to be created (a container running as
 * any user must be able to write it); files of instances older than the previous are removed.
 */
export async function prepareTerminationMessageFile(node: Pick<NodeContext, 'rootDir'>, uid: string, container: string, restartCount: number): Promise<string> {
  const file = terminationMessageFile(node, uid, container, restartCount);
  const dir = await ensurePodSubdir(node, uid, ['containers', container]);
  const fh = await open(file, 'w', 0o666);
  await using(fh, () => fh.chmod(0o666)); // the umask may have narrowed it
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const n = /^termination-log-(\d+)$/.exec(name);
    if (n && Number(n[1]) <= restartCount - KEEP_INSTANCES) await rm(join(dir, name), { force: true });
  }
  return file;
}

/** Exited instances do not change: their messages are read once. */
const cache = new Map<string, string>();
const CACHE_LIMIT = 1000;

/** The message of an exited container, '' when there is none. Never throws. */
export async function terminationMessage(st: ContainerStatus): Promise<string> {
  if (st.state !== 'exited') return '';
  const known = cache.get(st.id);
  if (known !== undefined) return known;
  const path = st.annotations[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION];
  const mount = path ? st.mounts.find((m) => m.containerPath === path) : undefined;
  // The file may sit in a volume other containers write (a subPath mount): read as a regular
  // file only, never through a link, at most the kubelet's 4 KiB.
  let msg = mount ? ((await readRegularFile(mount.hostPath, MAX_MESSAGE_BYTES))?.data.toString('utf8') ?? '') : '';
  if (msg === '' && st.exitCode !== 0 && st.annotations[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION] === 'FallbackToLogsOnError' && st.logPath) {
    msg = await logTail(st.logPath);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(st.id, msg);
  return msg;
}

/** The last lines of the container's CRI log, as plain text, cut to the byte budget from the end. */
async function logTail(path: string): Promise<string> {
  try {
    const fh = await open(path, 'r');
    let text: string;
    try {
      const { size } = await fh.stat();
      // Enough raw bytes for the budget even with the CRI prefixes on every line.
      const want = Math.min(size, FALLBACK_LOG_BYTES * 4 + FALLBACK_LOG_LINES * 64);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, size - want);
      text = buf.subarray(0, bytesRead).toString('utf8');
      // The first line may be cut; drop it unless the read began at the start of the file.
      if (size > want) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      await fh.close();
    }
    const lines = parseCriLog(text).slice(-FALLBACK_LOG_LINES).map((l) => l.text);
    const joined = lines.join('\n');
    const bytes = Buffer.from(joined);
    return bytes.length <= FALLBACK_LOG_BYTES ? joined : bytes.subarray(bytes.length - FALLBACK_LOG_BYTES).toString('utf8');
  } catch {
    return '';
  }
}
