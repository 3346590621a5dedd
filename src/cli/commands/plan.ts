import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { formatManifestError } from '../../config/manifest.js';
import { computePlan, type PlanEntry, type PlannedPod, type Verdict } from '../../plan/compute.js';
import type { PlanBasis } from '../../server/types.js';
import { EXIT_USAGE, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { fetchStatus } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';
import { expand, loadManifestFiles } from './validate.js';

/**
 * Exit codes, distinct from validate's (0 valid, 1 invalid, 2 usage) where they mean something
 * else, so a script can tell "would change pods" from "cannot plan":
 * 0 nothing starts, stops or restarts (label edits applied in place count as nothing);
 * 1 some manifest would be refused (as validate's 1), whatever else changes;
 * 2 usage error; 3 pods would be added, restarted or removed, none refused;
 * 4 no plan: the running staticlet cannot be reached or a manifest path cannot be read.
 */
export const PLAN_EXIT = { nothing: 0, refused: 1, usage: EXIT_USAGE, changes: 3, unavailable: 4 } as const;

export interface PlanOptions extends StatusSocketFlags {
  podManifestPath?: string;
  output?: 'text' | 'json';
}

export function register(program: Command): void {
  const cmd = program
    .command('plan')
    .description('show what the running staticlet would do with a manifest directory: add, keep, restart, remove or refuse each pod (exit 0 nothing to do, 1 refusals, 3 changes, 4 cannot plan)')
    .option('--pod-manifest-path <dir>', "the manifests to plan, read as if they replaced the running staticlet's manifest directory (default: that directory itself)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addStatusSocketFlags(cmd).action(async (opts: PlanOptions, self: Command) => {
    setExitCode(self, await planCommand(opts));
  });
}

/** The `plan` action, with injectable streams for tests. */
export async function planCommand(opts: PlanOptions, out: Output = processOutput()): Promise<number> {
  const fail = (code: number, msg: string): number => {
    out.stderr.write(`staticlet plan: ${msg}\n`);
    return code;
  };
  let basis: PlanBasis;
  try {
    basis = await fetchStatus<PlanBasis>(statusSocketFrom(opts), '/plan-basis');
  } catch (err) {
    return fail(PLAN_EXIT.unavailable, (err as Error).message);
  }
  const live = basis.manifestPath;
  if (!live) return fail(PLAN_EXIT.usage, 'the running staticlet watches no manifest directory (--pod-manifest-path)');
  const dir = resolve(opts.podManifestPath ?? live);
  let files: string[];
  try {
    if (!(await stat(dir)).isDirectory()) return fail(PLAN_EXIT.usage, `${dir}: not a directory`);
    files = await expand([dir]);
  } catch (err) {
    return fail(PLAN_EXIT.unavailable, (err as Error).message);
  }
  // The static UID hashes the file's path: a staged file is planned under its live name.
  const { state } = await loadManifestFiles(
    files,
    { nodeName: basis.nodeName, maxBytes: basis.maxManifestBytes, validation: { allowedUnsafeSysctls: basis.allowedUnsafeSysctls, appArmorEnabled: basis.appArmorEnabled } },
    (file) => join(live, basename(file)),
  );
  const inLive = (location: string): boolean => resolve(location, '..') === live;
  const running: PlannedPod[] = basis.pods.filter((p) => p.source.kind === 'file' && inLive(p.source.location)).map((p) => ({ location: p.source.location, uid: p.uid, fullName: p.fullName, pod: p.pod }));
  const planned: PlannedPod[] = state.pods().map((p) => ({ location: p.source.location, uid: p.uid, fullName: p.fullName, pod: p.pod }));
  const refused = state.rejections().map((r) => ({ location: r.source.location, errors: r.errors.map((e) => formatManifestError({ ...e, source: { kind: 'file', location: '' } }).replace(/^: /, '')) }));
  const entries = computePlan({ running, planned, refused });
  const code = exitCodeOf(entries);
  if (opts.output === 'json') {
    out.stdout.write(`${JSON.stringify({ manifestPath: live, planned: dir, nodeName: basis.nodeName, exitCode: code, entries }, null, 2)}\n`);
  } else {
    out.stdout.write(formatPlan(entries, live, dir));
  }
  if (basis.schema !== 'bundled') out.stderr.write(`staticlet plan: note: the running staticlet validates with the cluster's schema; this plan used the bundled one\n`);
  return code;
}

export function exitCodeOf(entries: readonly PlanEntry[]): number {
  if (entries.some((e) => e.verdict === 'refuse')) return PLAN_EXIT.refused;
  const changes: Verdict[] = ['add', 'restart', 'remove'];
  return entries.some((e) => changes.includes(e.verdict)) ? PLAN_EXIT.changes : PLAN_EXIT.nothing;
}

function formatPlan(entries: readonly PlanEntry[], live: string, dir: string): string {
  const lines: string[] = [dir === live ? `plan for ${live}` : `plan for ${dir} in place of ${live}`];
  for (const e of entries) {
    lines.push(`${e.verdict.padEnd(7)} ${e.pod ?? '-'}  (${basename(e.manifest)})`);
    lines.push(`        ${e.reason}`);
    if (e.changes.length > 0) lines.push(`        changed: ${e.changes.join(', ')}`);
    if (e.restarts.length > 0) lines.push(`        containers restarting: ${e.restarts.join(', ')}`);
    for (const err of e.errors ?? []) lines.push(`        error: ${err}`);
  }
  const count = (v: Verdict): number => entries.filter((e) => e.verdict === v).length;
  lines.push(`${count('add')} to add, ${count('restart')} to restart, ${count('remove')} to remove, ${count('keep')} kept, ${count('refuse')} refused`);
  return `${lines.join('\n')}\n`;
}
