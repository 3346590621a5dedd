/**
 * The body of a mirror pod's status PATCH, as the kubelet's status manager sends it: a two-way
 * strategic merge patch from the status last sent (or the mirror's own) to the new one, with the
 * mirror's UID in metadata so the server refuses it for any other pod of that name. Pure.
 */
import type { PodStatus } from '../../api/generated/core-v1.js';
import { twoWayMergePatch, type PatchStrategies } from '../patch.js';

/** Pod status fields Kubernetes' types declare a merge key for. */
export const POD_STATUS_STRATEGIES: PatchStrategies = {
  mergeKeys: { 'status.conditions': 'type', 'status.podIPs': 'ip', 'status.hostIPs': 'ip' },
};

export function statusPatch(mirrorUid: string, original: PodStatus | undefined, modified: PodStatus): Record<string, unknown> {
  const diff = twoWayMergePatch({ status: original ?? {} }, { status: modified }, POD_STATUS_STRATEGIES) ?? {};
  return { metadata: { uid: mirrorUid }, ...diff };
}
