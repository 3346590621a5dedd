import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Container log rotation as the kubelet does it (containerLogMaxSize / containerLogMaxFiles):
 * the runtime writes `N.log`; once it outgrows the limit it is renamed to `N.log.<timestamp>`
 * and the runtime is asked to reopen, older rotated files are gzipped, and only
 * `maxFiles` files (the live one included) are kept.
 */
export interface RotationPolicy {
  maxBytes: number;
  /** Files kept per container log, the live one included (at least 2). */
  maxFiles: number;
}

const GZ = '.gz';
const TMP = '.tmp';

/** Go's "20060102-150405" layout, in UTC. */
export function rotationStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** The rotated siblings of `log` (`<log>.<stamp>[.gz]`), oldest first: the stamp sorts by time. */
export async function rotatedLogs(log: string): Promise<string[]> {
  const prefix = `${basename(log)}.`;
  const names = await readdir(dirname(log)).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(prefix) && /^\d{8}-\d{6}(\.gz)?$/.test(n.slice(prefix.length)))
    .sort()
    .map((n) => join(dirname(log), n));
}

async function gzip(file: string): Promise<void> {
  const tmp = `${file}${GZ}${TMP}`;
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp, { mode: 0o640 }));
    await rename(tmp, `${file}${GZ}`);
    await rm(file, { force: true });
  } finally {
    await rm(tmp, { force: true });
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false })?.size;
  } catch {
    return undefined; // as a missing file: nothing to rotate
  }
}

/**
 * Rotates `log` when it is larger than the policy allows; `reopen` asks the runtime to open a
 * new file at the old path. Returns whether a rotation happened. If the runtime cannot reopen,
 * the file is renamed back so that nothing it writes is lost.
 */
export async function rotateIfNeeded(log: string, policy: RotationPolicy, reopen: () => Promise<void>, now: Date = new Date()): Promise<boolean> {
  // Every running container's log is checked every 10 s and nearly all are under the limit: a
  // synchronous stat (microseconds on the node's own disk) costs far less than a round trip
  // through the thread pool per container.
  const st = sizeOf(log);
  if (st === undefined || st < policy.maxBytes) return false;
  // Leftovers of a compression that was interrupted.
  const dir = dirname(log);
  for (const n of await readdir(dir).catch(() => [] as string[])) if (n.startsWith(`${basename(log)}.`) && n.endsWith(TMP)) await rm(join(dir, n), { force: true });
  const rotated = await rotatedLogs(log);
  // Room for the live file and the one about to be rotated.
  const keep = Math.max(0, policy.maxFiles - 2);
  for (const old of rotated.slice(0, Math.max(0, rotated.length - keep))) await rm(old, { force: true });
  for (const old of rotated.slice(Math.max(0, rotated.length - keep))) if (!old.endsWith(GZ)) await gzip(old);
  const target = `${log}.${rotationStamp(now)}`;
  // Two rotations within a second would share a stamp; the later one waits for the next pass.
  if (await stat(target).then(() => true, () => false)) return false;
  await rename(log, target);
  try {
    await reopen();
  } catch (err) {
    await rename(target, log).catch(() => undefined);
    throw err;
  }
  return true;
}
