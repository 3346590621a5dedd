import { mkdir, open, stat } from 'node:fs/promises';
import { chmodFd, openDirNoFollow, using } from '../safepath/index.js';
import { dirname } from 'node:path';

/**
 * The kubelet's hostPath `type` checks. Created paths get the kubelet's modes (0755 directories,
 * 0644 files) whatever the process umask. As under the kubelet, FileOrCreate does not create
 * missing parent directories. Returns the reason a check failed, or undefined.
 */
export async function checkHostPathType(path: string, type: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined);
  const fail = (what: string): string => `hostPath type check failed: ${path} is not ${what}`;
  switch (type) {
    case '':
      return undefined;
    case 'DirectoryOrCreate':
      if (!st) return createDirectory(path);
      return st.isDirectory() ? undefined : fail('a directory');
    case 'Directory':
      return st?.isDirectory() ? undefined : fail('a directory');
    case 'FileOrCreate':
      if (!st) return createFile(path);
      return st.isFile() ? undefined : fail('a file');
    case 'File':
      return st?.isFile() ? undefined : fail('a file');
    case 'Socket':
      return st?.isSocket() ? undefined : fail('a socket file');
    case 'CharDevice':
      return st?.isCharacterDevice() ? undefined : fail('a character device');
    case 'BlockDevice':
      return st?.isBlockDevice() ? undefined : fail('a block device');
    default:
      return `${type} is an invalid volume type`;
  }
}

async function createDirectory(path: string): Promise<string | undefined> {
  try {
    const first = await mkdir(path, { recursive: true, mode: 0o755 });
    // Only what mkdir created gets the mode forced; existing parents are left alone. The mode
    // is set on a descriptor opened without following the last component: a directory swapped
    // for a link meanwhile is refused, and the link's target keeps its mode.
    if (first !== undefined) {
      await using(await openDirNoFollow(path), (fh) => chmodFd(fh, 0o755));
    }
    return undefined;
  } catch (err) {
    return `hostPath type check failed: cannot create directory ${path}: ${(err as Error).message}`;
  }
}

async function createFile(path: string): Promise<string | undefined> {
  try {
    // O_EXCL never follows a link; the mode is then set on the very file created, not by path.
    const fh = await open(path, 'wx', 0o644);
    await using(fh, () => fh.chmod(0o644));
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') return undefined; // created meanwhile by someone else: fine
    if (e.code === 'ENOENT') return `hostPath type check failed: cannot create file ${path}: parent directory ${dirname(path)} does not exist`;
    return `hostPath type check failed: cannot create file ${path}: ${e.message}`;
  }
}
