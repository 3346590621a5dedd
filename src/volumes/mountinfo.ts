import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One line of /proc/self/mountinfo, the fields volume handling needs. */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Mount points are octal-escaped (`\040` for a space) in mountinfo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 5 || post.length < 2) continue;
    out.push({ mountPoint: unescape(pre[4]!), fsType: post[0]!, source: unescape(post[1]!) });
  }
  return out;
}

/**
 * What is mounted right now, read from the kernel rather than remembered, so that a restarted
 * supervisor sees the tmpfs volumes of the pods it adopts.
 */
export async function readMounts(): Promise<MountEntry[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** Mounts at `dir` or below, deepest first (the order to unmount them in). */
export function mountsUnder(mounts: readonly MountEntry[], dir: string): MountEntry[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mounts
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(prefix))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

/** The mount on top at exactly `dir` (the last one listed wins), if any. */
export function mountAt(mounts: readonly MountEntry[], dir: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const m of mounts) if (m.mountPoint === dir) found = m;
  return found;
}

async function command(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

export async function mountTmpfs(dir: string, sizeBytes: bigint | undefined): Promise<void> {
  const opts = sizeBytes !== undefined && sizeBytes > 0n ? ['-o', `size=${sizeBytes}`] : [];
  await command('mount', ['-t', 'tmpfs', ...opts, 'tmpfs', dir]);
}

/**
 * Bind-mounts `source` at `target`. `--no-canonicalize`: mount(8) must hand the kernel the
 * source exactly as given (a /proc/<pid>/fd/<n> link to an inode), not the path it resolves to,
 * which someone could swap before the mount happens.
 */
export async function bindMount(source: string, target: string): Promise<void> {
  await command('mount', ['--no-canonicalize', '--bind', source, target]);
}

/** Unmounts; a mount still busy is detached lazily so that the pod's removal can go on. */
export async function unmount(dir: string): Promise<void> {
  try {
    await command('umount', [dir]);
  } catch {
    await command('umount', ['-l', dir]);
  }
}
