import { chmod, mkdir, open, stat } from 'node:fs/promises';
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
    // Only what mkdir created gets the mode forced; existing parents are left alone.
    if (first !== undefined) await chmod(path, 0o755);
    return undefined;
  } catch (err) {
    return `hostPath type check failed: cannot create directory ${path}: ${(err as Error).message}`;
  }
}

async function createFile(path: string): Promise<string | undefined> {
  try {
    const fh = await open(path, 'wx', 0o644);
    await fh.close();
    await chmod(path, 0o644);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') return undefined; // created meanwhile by someone else: fine
    if (e.code === 'ENOENT') return `hostPath type check failed: cannot create file ${path}: parent directory ${dirname(path)} does not exist`;
    return `hostPath type check failed: cannot create file ${path}: ${e.message}`;
  }
}
