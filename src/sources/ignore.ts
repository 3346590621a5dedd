import { basename } from 'node:path';

/**
 * Files in a manifest directory that are never manifests: dotfiles (the kubelet's rule, which
 * also covers Emacs lock files `.#x`) and the scratch files editors write while saving.
 */
export function isIgnoredManifestName(fileOrPath: string): boolean {
  const name = basename(fileOrPath);
  return (
    name.startsWith('.') ||
    name.endsWith('~') ||
    /\.sw[a-p]$/.test(name) || // vim swap files: .swp, .swo, ... (named .x.swp, but also x.swp with 'directory' set)
    name.endsWith('.swx') ||
    name === '4913' // vim's probe file for directory write permission
  );
}
