/**
 * Pod UIDs become directory names (under the pods root, the pod log root...). A manifest may
 * set its own UID, so one is only ever joined into a path when it is a single, plain name:
 * it cannot climb out ("..", "/"), hide ("."), or carry bytes a filesystem or a log shipper
 * would trip on. Real UIDs are 32-character hashes or 36-character UUIDs.
 */
export const PATH_COMPONENT_MAX = 128;

const PLAIN = /^[A-Za-z0-9._-]+$/;

export function isSafePathComponent(s: string): boolean {
  return s.length <= PATH_COMPONENT_MAX && PLAIN.test(s) && s !== '.' && s !== '..';
}

/** The refusal text shared by validation and the path helpers. */
export const SAFE_PATH_COMPONENT_RULE = `must be a single path component: letters, digits, '.', '_' and '-', at most ${PATH_COMPONENT_MAX} characters, not '.' or '..'`;

/** Throws unless `uid` may name a pod's directory. */
export function assertSafeUid(uid: string): void {
  if (!isSafePathComponent(uid)) throw new Error(`unsafe pod UID ${JSON.stringify(uid)}: ${SAFE_PATH_COMPONENT_RULE}`);
}
