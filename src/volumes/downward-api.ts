import type { Container, DownwardAPIVolumeFile, ObjectFieldSelector, Pod, ResourceFieldSelector } from '../api/generated/core-v1.js';
import { VolumeError } from './errors.js';
import { formatMap } from './go-quote.js';
import type { Allocatable } from './node-resources.js';
import { ceilDiv, quantityOf, scaledValue } from './quantity.js';
import type { FilePayload } from './atomic-writer.js';

/** The API default for downwardAPI and projected volume files. */
export const DEFAULT_FILE_MODE = 0o644;

/** Limits that, when unset, read as the pod-level limit and then as node allocatable. */
const LIMIT_FALLBACKS = ['cpu', 'memory', 'ephemeral-storage'];

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** The text of a fieldRef, as the kubelet writes it into a downwardAPI volume file. */
export function fieldRefValue(pod: Pod, ref: ObjectFieldSelector): string {
  const meta = pod.metadata ?? {};
  const sub = SUBSCRIPT.exec(ref.fieldPath);
  if (sub) return (sub[1] === 'labels' ? meta.labels : meta.annotations)?.[sub[2]!] ?? '';
  switch (ref.fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    default:
      throw new Error(`unsupported fieldPath "${ref.fieldPath}"`);
  }
}

function findContainer(pod: Pod, name: string | undefined): Container {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const c = name ? all.find((x) => x.name === name) : all.length === 1 ? all[0] : undefined;
  if (!c) throw new Error(`container "${name ?? ''}" not found in the pod`);
  return c;
}

/**
 * A resourceFieldRef's value: the container's request or limit divided by the divisor and
 * rounded up. An unset limit falls back to the pod-level limit, then to what the node offers,
 * as the kubelet's node-allocatable defaulting does; an unset request is the limit the API
 * server would have defaulted it to, else 0.
 */
export function resourceFieldValue(pod: Pod, ref: ResourceFieldSelector, allocatable: Allocatable): string {
  const c = findContainer(pod, ref.containerName);
  const dot = ref.resource.indexOf('.');
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  if ((kind !== 'limits' && kind !== 'requests') || name === '') throw new Error(`unsupported resource "${ref.resource}"`);
  const cpu = name === 'cpu';
  const scale = cpu ? -3 : 0;
  const read = (v: string | number | undefined): bigint | undefined => {
    const q = quantityOf(v);
    return q === undefined ? undefined : scaledValue(q, scale);
  };
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const fallback = (): bigint | undefined => {
    if (!LIMIT_FALLBACKS.includes(name)) return undefined;
    return read(pod.spec?.resources?.limits?.[name]) ?? read(allocatable[name]);
  };
  const value = kind === 'limits' ? (read(limits[name]) ?? fallback() ?? 0n) : (read(requests[name]) ?? read(limits[name]) ?? 0n);
  const divisor = quantityOf(ref.divisor ?? 1);
  if (divisor === undefined || divisor.sign <= 0) throw new Error(`invalid divisor "${String(ref.divisor)}"`);
  return String(ceilDiv(value, scaledValue(divisor, scale)));
}

/**
 * The files of a downwardAPI volume (or of the downwardAPI sources of a projected volume), path
 * to content and mode. A reference that cannot be resolved fails the whole volume, naming it.
 */
export function downwardApiPayload(
  pod: Pod,
  volume: string,
  items: readonly DownwardAPIVolumeFile[],
  defaultMode: number | undefined,
  allocatable: Allocatable,
  into: Map<string, FilePayload> = new Map(),
): Map<string, FilePayload> {
  for (const it of items) {
    let content: string;
    try {
      if (it.fieldRef) content = fieldRefValue(pod, it.fieldRef);
      else if (it.resourceFieldRef) content = resourceFieldValue(pod, it.resourceFieldRef, allocatable);
      else throw new Error('neither fieldRef nor resourceFieldRef is set');
    } catch (err) {
      throw new VolumeError(`MountVolume.SetUp failed for volume "${volume}" : downward API item "${it.path}": ${(err as Error).message}`);
    }
    into.set(it.path, { content: Buffer.from(content), mode: it.mode ?? defaultMode ?? DEFAULT_FILE_MODE });
  }
  return into;
}
