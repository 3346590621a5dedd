/** A pod volume as set up on the host, ready to be mounted into containers. */
export interface PreparedVolume {
  hostPath: string;
}

/** Volume name → prepared volume. */
export type PodVolumes = ReadonlyMap<string, PreparedVolume>;
