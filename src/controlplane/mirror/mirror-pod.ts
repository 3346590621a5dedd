/**
 * The mirror pod of a static pod (the kubelet's CreateMirrorPod): the static pod's metadata and
 * spec without its status or server-owned fields, annotated kubernetes.io/config.mirror with its
 * config hash and owned by this node's Node object. Pure.
 */
import type { ObjectMeta, Pod } from '../../api/generated/core-v1.js';
import { ANNOTATION_CONFIG_HASH } from '../../config/identity.js';

export const ANNOTATION_CONFIG_MIRROR = 'kubernetes.io/config.mirror';

export interface NodeRef {
  name: string;
  uid: string;
}

/** `namespace/name`, the key static and mirror pods share. */
export function fullNameOf(p: Pod): string {
  return `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
}

export function configHash(p: Pod): string | undefined {
  return p.metadata?.annotations?.[ANNOTATION_CONFIG_HASH];
}

export function mirrorHash(p: Pod): string | undefined {
  return p.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR];
}

/** A mirror pod of this node: the mirror annotation and bound here. */
export function isMirrorOf(p: Pod, nodeName: string): boolean {
  return mirrorHash(p) !== undefined && p.spec?.nodeName === nodeName;
}

const SERVER_FIELDS = ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields', 'selfLink'] as const;

export function buildMirrorPod(staticPod: Pod, node: NodeRef): Pod {
  const copy = structuredClone(staticPod);
  const metadata: ObjectMeta = { ...copy.metadata };
  for (const k of SERVER_FIELDS) delete (metadata as Record<string, unknown>)[k];
  metadata.annotations = { ...metadata.annotations, [ANNOTATION_CONFIG_MIRROR]: configHash(staticPod) ?? '' };
  metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }];
  return { apiVersion: 'v1', kind: 'Pod', metadata, ...(copy.spec ? { spec: copy.spec } : {}) };
}
