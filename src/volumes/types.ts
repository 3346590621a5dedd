/** A pod volume as set up on the host, ready to be mounted into containers. */
export interface PreparedVolume {
  hostPath: string;
  /** Mounted read-only whatever the volumeMount says (downwardAPI and projected, as the kubelet does). */
  readOnly?: boolean;
}

/** Volume name → prepared volume. */
export type PodVolumes = ReadonlyMap<string, PreparedVolume>;
