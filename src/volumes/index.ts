export { VolumeError } from './errors.js';
export { containerMounts } from './mounts.js';
export { emptyDirPath, podDir, prepareVolumes, removePodDir } from './prepare.js';
export type { PodVolumes, PreparedVolume } from './types.js';
