import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arch } from 'node:os';
import { seaAssetText } from '../lib/package-files.js';
import { KUBERNETES_VERSION } from '../validation/index.js';
import { goArch } from './machine.js';

let cached: string | undefined;

/** staticlet's package version, from the package.json the running code ships in (src/ or dist/src/). */
export function packageVersion(): string {
  if (cached) return cached;
  const asset = seaAssetText('package.json');
  if (asset !== undefined) return (cached = (JSON.parse(asset) as { version: string }).version);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'staticlet' && typeof pkg.version === 'string') return (cached = pkg.version);
    }
    if (dirname(dir) === dir) return (cached = '0.0.0');
  }
}

/** `staticlet/<version> (linux/<arch>)`, the shape of the kubelet's own User-Agent. */
export function userAgent(): string {
  return `staticlet/${packageVersion()} (linux/${goArch(arch())})`;
}

/**
 * The Kubernetes version whose kubelet API staticlet implements, with staticlet's own as build
 * metadata: tooling parses `v1.36.0+staticlet.0.1.0` as 1.36.0 (semver ignores the `+` part).
 */
export function kubeletVersion(): string {
  return `v${KUBERNETES_VERSION}.0+staticlet.${packageVersion()}`;
}
