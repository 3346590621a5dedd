/** One problem in one document, located by a JSON path relative to that document's root. */
export interface FieldError {
  /** Dotted path with array indices, e.g. `spec.containers[1].livenessProbe.successThreshold`; '' for the root. */
  path: string;
  /** One-line human reason, e.g. `must be 1 for liveness probes`. */
  message: string;
}
