import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { DesiredState } from '../../config/desired-state.js';
import type { SourceRef } from '../../config/identity.js';
import { formatManifestError, ManifestLoader, type ManifestError, type ManifestResult } from '../../config/manifest.js';
import { fixedSchema } from '../../config/schema-provider.js';
import { bundledSchema, KUBERNETES_VERSION, type CompiledSchema } from '../../validation/schema.js';
import { nodeNameFrom, resolveSettings } from '../../config/settings.js';
import type { ValidationOptions } from '../../validation/index.js';
import { hostAppArmorEnabled } from '../../validation/rules/security.js';
import { DEFAULT_MAX_MANIFEST_BYTES } from '../../sources/decode.js';
import { isIgnoredManifestName } from '../../sources/ignore.js';
import { readLimited } from '../../sources/read-limited.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setExitCode } from '../exit.js';
import { addIdentityFlags } from '../flags.js';

interface ValidateOptions {
  output: 'text' | 'json';
  config?: string;
  hostnameOverride?: string;
  maxManifestSize?: number;
  kubeconfig?: string;
}

export interface FileReport {
  file: string;
  valid: boolean;
  pods: Array<{ namespace: string; name: string; uid: string }>;
  errors: Array<{ document?: number; path: string; message: string }>;
  /** Accepted, but the API server would change these values (absent when there are none). */
  warnings?: Array<{ document?: number; path: string; message: string }>;
}

export function register(program: Command): void {
  const cmd = program
    .command('validate')
    .description('check manifests exactly as `run` would accept them; exit 1 if any is invalid')
    .argument('<paths...>', 'manifest files or directories (directories are read like --pod-manifest-path)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', "the KubeletConfiguration `run` uses: its node name, manifest size limit and allowedUnsafeSysctls apply")
    .option('--kubeconfig <file>', "validate against the cluster's own OpenAPI schema, fetched from its API server (the bundled one if it cannot be had)")
    .action(async (paths: string[], opts: ValidateOptions, self: Command) => {
      setExitCode(self, await validateCommand(paths, opts));
    });
  addIdentityFlags(cmd);
}

async function validateCommand(paths: string[], opts: ValidateOptions): Promise<number> {
  let files: string[];
  try {
    files = await expand(paths);
  } catch (err) {
    process.stderr.write(`staticlet validate: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  let check: ValidateFilesOptions;
  try {
    check = await checkOptions(opts);
  } catch (err) {
    process.stderr.write(`staticlet validate: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (opts.kubeconfig) check.schema = await clusterSchema(opts.kubeconfig);
  const reports = await validateFiles(files, check);
  const valid = reports.every((r) => r.valid);
  if (opts.output === 'json') {
    process.stdout.write(`${JSON.stringify({ valid, files: reports }, null, 2)}\n`);
  } else {
    process.stdout.write(formatText(reports));
  }
  return valid ? EXIT_OK : EXIT_FAILURE;
}

export interface ValidateFilesOptions {
  nodeName: string;
  maxBytes: number;
  validation?: ValidationOptions;
  /** The bundled schema when absent. */
  schema?: CompiledSchema;
}

/**
 * The cluster's schema as `run` would fetch it (one attempt: a command should not wait out an
 * outage), or the bundled one with one warning on stderr. The control plane and its client
 * library load only here, when asked for.
 */
async function clusterSchema(kubeconfig: string): Promise<CompiledSchema> {
  const { loadClients } = await import('../../controlplane/client.js');
  const { fetchClusterSchema } = await import('../../controlplane/cluster-schema.js');
  let error: string;
  try {
    const clients = loadClients({ kubeconfig, qps: 5, burst: 10, heartbeatTimeoutMs: 10_000, timeoutMs: 30_000 });
    const r = await fetchClusterSchema(clients.config);
    if (r.ok) return r.schema;
    error = r.error;
  } catch (err) {
    error = (err as Error).message;
  }
  process.stderr.write(`staticlet validate: warning: cannot use the cluster's OpenAPI schema (${error}); validating with the bundled Kubernetes ${KUBERNETES_VERSION} schema\n`);
  return bundledSchema();
}

/**
 * What `run` would check with. Without --config: the flags alone, no unsafe sysctls, and no
 * host-dependent rules (manifests are often checked away from their node). With it: the config
 * file's settings and this host's AppArmor support, exactly as `run` here would.
 */
async function checkOptions(opts: ValidateOptions): Promise<ValidateFilesOptions> {
  if (!opts.config) return { nodeName: nodeNameFrom(opts.hostnameOverride), maxBytes: opts.maxManifestSize ?? DEFAULT_MAX_MANIFEST_BYTES };
  // Imported here: the config file's own schema check loads ajv, which a run without --config
  // never needs (the bundled Pod schema's validators are generated code).
  const { loadKubeletConfigFile } = await import('../../config/kubelet/load.js');
  const file = await loadKubeletConfigFile(opts.config);
  const settings = resolveSettings({ ...(opts.hostnameOverride ? { hostnameOverride: opts.hostnameOverride } : {}), ...(opts.maxManifestSize ? { maxManifestSize: opts.maxManifestSize } : {}) }, file);
  return {
    nodeName: settings.nodeName,
    maxBytes: settings.maxManifestBytes,
    validation: { allowedUnsafeSysctls: settings.allowedUnsafeSysctls, appArmorEnabled: hostAppArmorEnabled() },
  };
}

/** Files to check, in the order `run` would meet them: directory entries sorted by name. */
export async function expand(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new Error(`${p}: no such file or directory`);
    }
    if (!st.isDirectory()) {
      out.push(p);
      continue;
    }
    const names = (await readdir(p)).filter((n) => !isIgnoredManifestName(n)).sort();
    for (const n of names) {
      const full = join(p, n);
      if ((await stat(full).catch(() => undefined))?.isFile()) out.push(full);
    }
  }
  return out;
}

/** Loaded manifests: the desired state they make and the warnings of the accepted ones, by file. */
export interface LoadedFiles {
  state: DesiredState;
  warnings: Map<string, ManifestError[]>;
}

/**
 * Runs the same loader and desired-state rules as the supervisor, so duplicates across files are
 * caught here too. `locationOf` names each file as the supervisor would know it: the static UID
 * hashes the path, so `plan` loads a staged copy as if it sat in the live directory.
 */
export async function loadManifestFiles(files: string[], opts: ValidateFilesOptions, locationOf: (file: string) => string = (f) => f): Promise<LoadedFiles> {
  const loader = new ManifestLoader({ nodeName: opts.nodeName, maxBytes: opts.maxBytes, ...(opts.validation ? { validation: opts.validation } : {}), ...(opts.schema ? { schema: fixedSchema(opts.schema) } : {}) });
  const warnings = new Map<string, ManifestError[]>();
  const state = new DesiredState();
  const updates: Array<{ ref: SourceRef; result: ManifestResult }> = [];
  for (const file of files) {
    const ref: SourceRef = { kind: 'file', location: locationOf(file) };
    const r = await readLimited(file, opts.maxBytes);
    let result: ManifestResult;
    if ('content' in r) result = loader.load(ref, r.content);
    else if ('error' in r) result = { ok: false, errors: [{ source: ref, path: '', message: r.error }] };
    else result = { ok: false, errors: [{ source: ref, path: '', message: 'not a regular file' }] };
    if (result.ok && result.warnings) warnings.set(ref.location, result.warnings);
    updates.push({ ref, result });
  }
  state.apply(updates);
  return { state, warnings };
}

export async function validateFiles(files: string[], opts: ValidateFilesOptions): Promise<FileReport[]> {
  const { state, warnings } = await loadManifestFiles(files, opts);
  const rejections = new Map(state.rejections().map((r) => [r.source.location, r.errors]));
  const pods = state.pods();
  return files.map((file) => {
    const errors = rejections.get(file) ?? [];
    return {
      file,
      valid: errors.length === 0,
      pods: errors.length
        ? []
        : pods.filter((p) => p.source.location === file).map((p) => ({ namespace: p.pod.metadata!.namespace!, name: p.pod.metadata!.name!, uid: p.uid })),
      errors: errors.map(plainError),
      ...(errors.length === 0 && warnings.has(file) ? { warnings: warnings.get(file)!.map(plainError) } : {}),
    };
  });
}

function plainError(e: ManifestError): FileReport['errors'][number] {
  return { ...(e.document === undefined ? {} : { document: e.document }), path: e.path, message: e.message };
}

function formatText(reports: FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    if (r.valid) {
      const pods = r.pods.map((p) => `${p.namespace}/${p.name}`).join(', ');
      lines.push(`${r.file}: valid (${r.pods.length} pod${r.pods.length === 1 ? '' : 's'}: ${pods})`);
      for (const w of r.warnings ?? []) lines.push(`  warning: ${formatManifestError({ source: { kind: 'file', location: '' }, ...w }).replace(/^: /, '')}`);
      continue;
    }
    lines.push(`${r.file}: invalid, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`);
    for (const e of r.errors) {
      const where = [e.document === undefined ? '' : `document[${e.document}]`, e.path].filter(Boolean).join(': ');
      lines.push(`  ${where ? `${where}: ` : ''}${e.message}`);
    }
  }
  const bad = reports.filter((r) => !r.valid).length;
  lines.push(bad === 0 ? `${reports.length} manifest${reports.length === 1 ? '' : 's'} valid` : `${bad} of ${reports.length} manifest${reports.length === 1 ? '' : 's'} invalid`);
  return `${lines.join('\n')}\n`;
}
