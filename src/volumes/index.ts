export { VolumeError } from './errors.js';
export { containerMounts } from './mounts.js';
export { cleanupOrphanedPodDirs, emptyDirPath, podDir, prepareVolumes, refreshVolumes, removePodDir } from './prepare.js';
export type { PodVolumes, PreparedVolume } from './types.js';
