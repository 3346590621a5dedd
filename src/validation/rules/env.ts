/**
 * Environment rules (validateEnv, validateEnvFrom). Secret and ConfigMap references are refused
 * by static-pod.ts, so only their shape is left alone here.
 */
import type { EnvVarSource, ObjectFieldSelector, ResourceFieldSelector } from '../../api/generated/core-v1.js';
import { envVarName, qualifiedName } from '../names.js';
import { field, index } from '../path.js';
import { compareQuantities, parseQuantity, type Quantity } from '../quantity.js';
import { addAll, isObject, list, present, type RuleContext, quote } from './context.js';

const VALUE_FROM_SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'] as const;
const ENV_FROM_SOURCES = ['configMapRef', 'secretRef'] as const;

/** Downward API fields an env var can read. */
const ENV_FIELD_PATHS: readonly string[] = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
/** Downward API fields a downwardAPI volume file can hold (whole label/annotation maps allowed). */
export const VOLUME_FIELD_PATHS: readonly string[] = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations'];

const SUBSCRIPTED = /^metadata\.(labels|annotations)\['(.*)'\]$/;

export const RESOURCE_FIELD_PATHS: readonly string[] = [
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
];
const HUGEPAGES_FIELD = /^(limits|requests)\.hugepages-/;

/** `metadata.name` etc. from the given set, or a subscripted label/annotation with a valid key. */
export function checkFieldRef(ctx: RuleContext, path: string, ref: ObjectFieldSelector, allowed: readonly string[]): void {
  if (typeof ref.apiVersion === 'string' && ref.apiVersion !== '' && ref.apiVersion !== 'v1') {
    ctx.add(field(path, 'apiVersion'), `unsupported value ${quote(ref.apiVersion)}: supported values: "v1"`);
  }
  const fp = ref.fieldPath;
  if (typeof fp !== 'string') return;
  const fpPath = field(path, 'fieldPath');
  const sub = SUBSCRIPTED.exec(fp);
  if (sub !== null) {
    const k = sub[2]!;
    addAll(ctx, fpPath, qualifiedName(sub[1] === 'annotations' ? k.toLowerCase() : k));
    return;
  }
  if (!allowed.includes(fp)) {
    ctx.add(fpPath, `unsupported value ${quote(fp)}: supported values: ${[...allowed, "metadata.labels['<KEY>']", "metadata.annotations['<KEY>']"].map((a) => `"${a}"`).join(', ')}`);
  }
}

const CPU_DIVISORS = ['1m', '1'].map((d) => parseQuantity(d)!);
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'].map((d) => parseQuantity(d)!);

function oneOf(q: Quantity, set: readonly Quantity[]): boolean {
  return set.some((x) => compareQuantities(q, x) === 0);
}

export function checkResourceFieldRef(ctx: RuleContext, path: string, ref: ResourceFieldSelector, volume: boolean): void {
  const res = ref.resource;
  if (volume && (typeof ref.containerName !== 'string' || ref.containerName === '')) {
    ctx.add(field(path, 'containerName'), 'required value: a downwardAPI volume must name the container');
  }
  if (typeof res !== 'string') return;
  if (!RESOURCE_FIELD_PATHS.includes(res) && !HUGEPAGES_FIELD.test(res)) {
    ctx.add(field(path, 'resource'), `unsupported value ${quote(res)}: supported values: ${RESOURCE_FIELD_PATHS.map((a) => `"${a}"`).join(', ')}, "limits.hugepages-<size>", "requests.hugepages-<size>"`);
    return;
  }
  if (ref.divisor === undefined) return;
  const d = parseQuantity(ref.divisor);
  if (d === undefined) return; // the schema reports the format
  if (res.endsWith('.cpu')) {
    if (!oneOf(d, CPU_DIVISORS)) ctx.add(field(path, 'divisor'), 'only divisor values 1m and 1 are supported with the cpu resource');
  } else if (!oneOf(d, BYTE_DIVISORS)) {
    ctx.add(field(path, 'divisor'), 'only divisor values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory, storage and hugepages resources');
  }
}

function checkValueFrom(ctx: RuleContext, path: string, vf: EnvVarSource): void {
  const set = present(vf, VALUE_FROM_SOURCES);
  if (set.length === 0) {
    ctx.add(path, `must specify one of: ${VALUE_FROM_SOURCES.map((s) => `\`${s}\``).join(', ')}`);
  } else if (set.length > 1) {
    ctx.add(path, `may not have more than one field specified at a time (has ${set.map((s) => `\`${s}\``).join(', ')})`);
  }
  if (isObject(vf.fieldRef)) checkFieldRef(ctx, field(path, 'fieldRef'), vf.fieldRef, ENV_FIELD_PATHS);
  if (isObject(vf.resourceFieldRef)) checkResourceFieldRef(ctx, field(path, 'resourceFieldRef'), vf.resourceFieldRef, false);
  if (isObject(vf.fileKeyRef) && typeof vf.fileKeyRef.volumeName === 'string' && !ctx.volumeNames.has(vf.fileKeyRef.volumeName)) {
    ctx.add(field(field(path, 'fileKeyRef'), 'volumeName'), `volume ${quote(vf.fileKeyRef.volumeName)} not found in spec.volumes`);
  }
  if (isObject(vf.fileKeyRef)) {
    ctx.add(field(path, 'fileKeyRef'), 'not supported: staticlet does not implement the EnvFiles feature (env files in an emptyDir); set `value` or use a command that reads the file');
  }
}

export function checkEnv(ctx: RuleContext): void {
  for (const ref of ctx.containers) {
    list(ref.c.env).forEach((e, i) => {
      if (!isObject(e)) return;
      const path = index(field(ref.path, 'env'), i);
      if (typeof e.name !== 'string' || e.name === '') ctx.add(field(path, 'name'), 'required value');
      else addAll(ctx, field(path, 'name'), envVarName(e.name));
      if (isObject(e.valueFrom)) {
        if (typeof e.value === 'string' && e.value !== '') ctx.add(field(path, 'valueFrom'), 'may not be specified when `value` is not empty');
        checkValueFrom(ctx, field(path, 'valueFrom'), e.valueFrom);
      }
    });
    list(ref.c.envFrom).forEach((e, i) => {
      if (!isObject(e)) return;
      const path = index(field(ref.path, 'envFrom'), i);
      if (typeof e.prefix === 'string' && e.prefix !== '') addAll(ctx, field(path, 'prefix'), envVarName(e.prefix));
      const set = present(e, ENV_FROM_SOURCES);
      if (set.length === 0) ctx.add(path, 'must specify one of: `configMapRef` or `secretRef`');
      else if (set.length > 1) ctx.add(path, 'may not have more than one field specified at a time');
    });
  }
}
