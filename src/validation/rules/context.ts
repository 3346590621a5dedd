/**
 * Shared state for the semantic rules: the pod, pre-walked container and volume lists, and the
 * error sink. Built once per pod so each rule file stays a flat function over plain data.
 *
 * Rules run on schema-valid pods, but `semanticErrors` is public and must never throw, so every
 * accessor here tolerates odd shapes (missing spec, non-array lists) by treating them as empty.
 */
import type { Container, EphemeralContainer, Pod, PodSpec, Volume } from '../../api/generated/core-v1.js';
import type { FieldError } from '../types.js';
import { field, index } from '../path.js';

export type ContainerKind = 'container' | 'init' | 'sidecar' | 'ephemeral';

export interface ContainerRef {
  readonly c: Container | EphemeralContainer;
  readonly path: string;
  readonly kind: ContainerKind;
}

export interface VolumeRef {
  readonly v: Volume;
  readonly path: string;
}

/** Node settings some rules depend on; absent fields skip the checks that need them. */
export interface ValidationOptions {
  /** kubelet allowedUnsafeSysctls: names or `prefix*` patterns allowed beyond the safe set. */
  allowedUnsafeSysctls?: readonly string[];
  /** Whether the host enforces AppArmor; undefined (e.g. `staticlet validate`) skips the check. */
  appArmorEnabled?: boolean;
}

export interface RuleContext {
  readonly options: ValidationOptions;
  readonly pod: Pod;
  readonly spec: PodSpec;
  /** Init containers first, then app containers, then ephemeral containers (API server order). */
  readonly containers: readonly ContainerRef[];
  readonly volumes: readonly VolumeRef[];
  /** Names of well-formed volumes, for mounts to resolve against. */
  readonly volumeNames: ReadonlySet<string>;
  readonly errors: FieldError[];
  add(path: string, message: string): void;
}

export function list<T>(v: readonly T[] | undefined | null): readonly T[] {
  return Array.isArray(v) ? v : [];
}

/** A present, non-array object; keeps the declared type so fields stay typed. */
export function isObject<T>(v: T | null | undefined): v is T & object {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function entries<T>(m: Record<string, T> | undefined | null): Array<[string, T]> {
  return isRecord(m) ? (Object.entries(m) as Array<[string, T]>) : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Set fields of a union-like object (exactly one of exec/httpGet/...), in declaration order. */
export function present(obj: unknown, keys: readonly string[]): string[] {
  if (!isRecord(obj)) return [];
  const out: string[] = [];
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) out.push(k);
  return out;
}

export function buildContext(pod: Pod, options: ValidationOptions = {}): RuleContext {
  const spec: PodSpec = isObject(pod.spec) ? pod.spec : ({ containers: [] } as PodSpec);
  const containers: ContainerRef[] = [];
  list(spec.initContainers).forEach((c, i) => {
    if (!isObject(c)) return;
    containers.push({ c, path: index('spec.initContainers', i), kind: c.restartPolicy === 'Always' ? 'sidecar' : 'init' });
  });
  list(spec.containers).forEach((c, i) => {
    if (isObject(c)) containers.push({ c, path: index('spec.containers', i), kind: 'container' });
  });
  list(spec.ephemeralContainers).forEach((c, i) => {
    if (isObject(c)) containers.push({ c, path: index('spec.ephemeralContainers', i), kind: 'ephemeral' });
  });
  const volumes: VolumeRef[] = [];
  const volumeNames = new Set<string>();
  list(spec.volumes).forEach((v, i) => {
    if (!isObject(v)) return;
    volumes.push({ v, path: index(field('spec', 'volumes'), i) });
    if (typeof v.name === 'string' && v.name !== '') volumeNames.add(v.name);
  });
  const errors: FieldError[] = [];
  return {
    options,
    pod,
    spec,
    containers,
    volumes,
    volumeNames,
    errors,
    add(path: string, message: string): void {
      errors.push({ path, message });
    },
  };
}

/**
 * A value from the manifest inside a message: JSON-quoted so a newline or control character in
 * it cannot break the one-line error form (or forge a second line), and cut to stay readable.
 */
export function quote(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function addAll(ctx: RuleContext, path: string, messages: readonly string[]): void {
  for (const m of messages) ctx.add(path, m);
}
