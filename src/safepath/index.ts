/**
 * The one module through which staticlet, as root, touches paths that a pod, a container or a
 * local user can change: descriptor-relative descent that never follows a symlink, changes
 * made on descriptors, removal that stays on one filesystem, bounded reads. See the README's
 * Security section for which paths go through here and why.
 */
export { checkName, chmodFd, components, fdPathForChildren, mkdirAt, openDirNoFollow, openTrustedDir, UnsafePathError, using } from './fd.js';
export { chmodEntry, chownEntry, openBeneath, removeTree, walkTree, type WalkEntry } from './tree.js';
export { readRegularFile } from './read.js';
export { ensurePrivateDir } from './private-dir.js';
export { defaultTrustPolicy, untrustedDirReason, untrustedReason, type TrustPolicy } from './trust.js';
