import { basename } from 'node:path';

/**
 * Copies that editors and package managers leave next to a file: `web.yaml.bak`, `web.yaml~`,
 * `web.yaml.dpkg-old`, `web.yaml.rpmnew`, ... The kubelet reads them as manifests, so a
 * `kube-apiserver.yaml.bak` fights the real one for the pod name (kubernetes/kubernetes#136962);
 * staticlet leaves them unread and lists them (`staticlet pods`).
 */
const BACKUP_SUFFIXES = ['.bak', '.orig', '.old', '.save', '.swp', '.rpmnew', '.rpmsave', '.disabled', '~'];

export function isBackupCopyName(fileOrPath: string): boolean {
  const name = basename(fileOrPath);
  if (name.startsWith('.')) return false; // dotfiles are ignored anyway, and not listed
  return BACKUP_SUFFIXES.some((s) => name.endsWith(s)) || /\.dpkg-[a-z]+$/.test(name);
}

/**
 * Files in a manifest directory that are never manifests: dotfiles (the kubelet's rule, which
 * also covers Emacs lock files `.#x`), the scratch files editors write while saving, and backup
 * copies (isBackupCopyName).
 */
export function isIgnoredManifestName(fileOrPath: string): boolean {
  const name = basename(fileOrPath);
  return (
    name.startsWith('.') ||
    isBackupCopyName(name) ||
    /\.sw[a-p]$/.test(name) || // vim swap files: .swp, .swo, ... (named .x.swp, but also x.swp with 'directory' set)
    name.endsWith('.swx') ||
    name === '4913' // vim's probe file for directory write permission
  );
}
