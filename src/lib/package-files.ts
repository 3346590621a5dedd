import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getAsset, isSea } from 'node:sea';

/**
 * Files staticlet ships next to its code (proto/, schemas/, package.json) and reads at run time.
 * Installed from npm they sit in the package directory; in the single executable
 * (`npm run build:sea`) there is no package directory, and they are SEA assets under the same
 * relative names (scripts/build-sea.ts lists them).
 */

/** True when running as the single executable: files come from its assets, never from disk. */
export function runningAsSea(): boolean {
  return isSea();
}

/** The text of a shipped file, read from the executable's assets; undefined when not a SEA. */
export function seaAssetText(relative: string): string | undefined {
  if (!isSea()) return undefined;
  return getAsset(relative, 'utf8');
}

let extracted: string | undefined;
const written = new Set<string>();

/**
 * A path on disk holding the shipped file, for libraries that only read paths (the gRPC proto
 * loader resolves imports relative to the file). The single executable writes its assets to a
 * private directory of its own (mkdtemp: 0700, a fresh name, so nothing another user prepared
 * in /tmp is ever read), once per process, and removes it on exit.
 */
export function extractedSeaFile(relative: string): string {
  if (extracted === undefined) {
    const dir = mkdtempSync(join(process.env['RUNTIME_DIRECTORY'] ?? tmpdir(), 'staticlet-sea-'));
    extracted = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const target = join(extracted, relative);
  if (!written.has(relative)) {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, getAsset(relative, 'utf8'), { mode: 0o600 });
    written.add(relative);
  }
  return target;
}
