/** A volume that cannot be set up or mounted as its spec asks: the pod waits with a reason. */
export class VolumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeError';
  }
}
