/**
 * Temp dirs for tests that mount inside them (tmpfs, subPath binds): everything mounted below
 * comes off before the dir is removed, after the file's tests.
 *
 *   const temp = tempDirsWithMounts('staticlet-subpath-');
 *   const d = await temp();
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { mountsUnder, readMounts, unmount } from '../../src/volumes/mountinfo.js';

export function tempDirsWithMounts(prefix: string, mode?: number): () => Promise<string> {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) {
      for (const m of mountsUnder(await readMounts(), d)) await unmount(m.mountPoint);
      await rm(d, { recursive: true, force: true });
    }
  });
  return async () => {
    const d = await mkdtemp(join(tmpdir(), prefix));
    if (mode !== undefined) await chmod(d, mode);
    dirs.push(d);
    return d;
  };
}
