import { readFile } from 'node:fs/promises';
import { nearestName } from '../../validation/suggest.js';
import { Ajv, type ErrorObject } from 'ajv';
import { decodeDocuments } from '../../sources/decode.js';
import { parseQuantity } from '../../validation/index.js';
import { parseDuration } from '../duration.js';
import { IGNORED_FIELDS, KUBELET_CONFIG_SCHEMA } from './schema.js';
import type { KubeletConfigFile } from './types.js';

export interface LoadedKubeletConfig {
  config: KubeletConfigFile;
  /** Fields the kubelet knows that staticlet accepts and ignores, as `path: reason` lines. */
  warnings: string[];
}

export class KubeletConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid KubeletConfiguration ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'KubeletConfigError';
  }
}

let compiled: ReturnType<Ajv['compile']> | undefined;
function validator(): ReturnType<Ajv['compile']> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    ajv.addFormat('go-duration', { type: 'string', validate: (s: string) => isDuration(s) });
    ajv.addFormat('quantity', { type: 'string', validate: (s: string) => parseQuantity(s) !== undefined });
    compiled = ajv.compile(KUBELET_CONFIG_SCHEMA);
  }
  return compiled;
}

function isDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}

export async function loadKubeletConfigFile(file: string): Promise<LoadedKubeletConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new KubeletConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseKubeletConfig(bytes, file);
}

export function parseKubeletConfig(bytes: Uint8Array, file: string): LoadedKubeletConfig {
  const decoded = decodeDocuments(bytes, { maxBytes: 1024 * 1024 });
  if (!decoded.ok) throw new KubeletConfigError(file, decoded.problems.map((p) => p.message));
  if (decoded.documents.length !== 1) {
    throw new KubeletConfigError(file, [`expected one KubeletConfiguration document, found ${decoded.documents.length}`]);
  }
  const doc = decoded.documents[0];
  const validate = validator();
  if (!validate(doc)) {
    throw new KubeletConfigError(file, (validate.errors ?? []).map(describe));
  }
  const config = doc as KubeletConfigFile;
  const warnings = IGNORED_FIELDS.filter((f) => f in config).map(
    (f) => `${f}: accepted for kubelet compatibility but ignored by staticlet`,
  );
  return { config, warnings };
}

function describe(e: ErrorObject): string {
  const path = pointerToPath(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    const field = String((e.params as { additionalProperty: string }).additionalProperty);
    const guess = nearestName(field, Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}));
    return `${path ? `${path}.` : ''}${field}: unknown field "${field}"${guess === undefined ? '' : `, did you mean "${guess}"?`}`;
  }
  if (e.keyword === 'const') return `${path}: must be "${String((e.params as { allowedValue: unknown }).allowedValue)}"`;
  if (e.keyword === 'enum') {
    return `${path}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const fmt = e.keyword === 'format' ? (e.params as { format: string }).format : (e.parentSchema as { format?: string } | undefined)?.format;
  if (e.keyword === 'format' || (e.keyword === 'type' && fmt)) {
    return `${path}: ${fmt === 'go-duration' ? 'must be a duration such as "20s" or "1m30s"' : `must be a ${fmt}`}`;
  }
  if (e.keyword === 'required') {
    const field = (e.params as { missingProperty: string }).missingProperty;
    return `${path ? `${path}.` : ''}${field}: required`;
  }
  return `${path || '(root)'}: ${e.message ?? 'invalid'}`;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
