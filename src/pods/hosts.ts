import type { Pod } from '../api/generated/core-v1.js';
import type { Mount } from '../runtime/index.js';
import type { NodeContext } from './context.js';

/**
 * Mounts the node manages for every container of the pod: the /etc/hosts file the kubelet
 * writes (pod hostname, hostAliases). Empty until implemented.
 */
export async function podManagedMounts(_pod: Pod, _node: NodeContext, _podIPs: readonly string[]): Promise<Mount[]> {
  return [];
}
