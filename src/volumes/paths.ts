import { join } from 'node:path';
import type { NodeContext } from '../pods/context.js';

/** <rootDir>/pods/<uid>: everything staticlet keeps on disk for one pod. */
export function podDir(node: Pick<NodeContext, 'rootDir'>, uid: string): string {
  return join(node.rootDir, 'pods', uid);
}

/** Where a volume plugin keeps one volume, in the kubelet's layout (`kubernetes.io~empty-dir`...). */
export function volumeDir(node: Pick<NodeContext, 'rootDir'>, uid: string, plugin: string, volume: string): string {
  return join(podDir(node, uid), 'volumes', `kubernetes.io~${plugin}`, volume);
}

export function emptyDirPath(node: Pick<NodeContext, 'rootDir'>, uid: string, volume: string): string {
  return volumeDir(node, uid, 'empty-dir', volume);
}
