/**
 * What to do about mirror pods (the kubelet's syncPod mirror part and HandlePodCleanups), as a
 * pure function of the static pods, this node's mirror pods and which full names are still
 * terminating. Per full name:
 * - a live static pod without a mirror: create one;
 * - a mirror whose config.mirror is not the static pod's hash, or that is being deleted: delete it
 *   (with its UID as precondition) and create it again;
 * - a mirror without a live static pod: an orphan, deleted, but only once no static pod of that
 *   name is terminating (the mirror stays, same UID, through the grace period);
 * - while a pod of that name terminates, the mirror is left alone: the successor waits for it.
 */
import type { Pod } from '../../api/generated/core-v1.js';
import { configHash, fullNameOf, isMirrorOf, mirrorHash } from './mirror-pod.js';

export type MirrorAction =
  | { kind: 'create'; fullName: string; pod: Pod }
  | { kind: 'recreate'; fullName: string; pod: Pod; mirror: Pod; why: 'outdated' | 'deleting' }
  | { kind: 'orphan'; fullName: string; mirror: Pod };

export function planMirrors(statics: readonly Pod[], mirrorPods: readonly Pod[], nodeName: string, terminating: (fullName: string) => boolean): MirrorAction[] {
  const live = new Map<string, Pod>();
  for (const p of statics) if (!p.metadata?.deletionTimestamp && configHash(p) !== undefined) live.set(fullNameOf(p), p);
  const mirrors = new Map<string, Pod>();
  for (const m of mirrorPods) if (isMirrorOf(m, nodeName)) mirrors.set(fullNameOf(m), m);
  const out: MirrorAction[] = [];
  for (const [fullName, pod] of live) {
    if (terminating(fullName)) continue;
    const mirror = mirrors.get(fullName);
    if (!mirror) out.push({ kind: 'create', fullName, pod });
    else if (mirror.metadata?.deletionTimestamp) out.push({ kind: 'recreate', fullName, pod, mirror, why: 'deleting' });
    else if (mirrorHash(mirror) !== configHash(pod)) out.push({ kind: 'recreate', fullName, pod, mirror, why: 'outdated' });
  }
  for (const [fullName, mirror] of mirrors) {
    if (!live.has(fullName) && !terminating(fullName)) out.push({ kind: 'orphan', fullName, mirror });
  }
  return out;
}
