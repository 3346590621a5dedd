import { join } from 'node:path';
import { assertSafeUid } from '../lib/path-component.js';
import type { NodeContext } from '../pods/context.js';

/** <rootDir>/pods: where the per-pod directories live. */
export function podsDir(node: Pick<NodeContext, 'rootDir'>): string {
  return join(node.rootDir, 'pods');
}

/**
 * <rootDir>/pods/<uid>: everything staticlet keeps on disk for one pod. Throws for a UID that is
 * not one plain path component: validation refuses such manifests, and a UID from anywhere else
 * (runtime labels) must not send a write or a recursive delete outside the pods directory either.
 */
export function podDir(node: Pick<NodeContext, 'rootDir'>, uid: string): string {
  assertSafeUid(uid);
  return join(podsDir(node), uid);
}

/** Where a volume plugin keeps one volume, in the kubelet's layout (`kubernetes.io~empty-dir`...). */
export function volumeDir(node: Pick<NodeContext, 'rootDir'>, uid: string, plugin: string, volume: string): string {
  return join(podDir(node, uid), 'volumes', `kubernetes.io~${plugin}`, volume);
}

export function emptyDirPath(node: Pick<NodeContext, 'rootDir'>, uid: string, volume: string): string {
  return volumeDir(node, uid, 'empty-dir', volume);
}
