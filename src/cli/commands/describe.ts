import type { Command } from 'commander';
import type { Pod, PodList } from '../../api/generated/core-v1.js';
import type { PodEvent } from '../../events/types.js';
import type { StartBreakdown } from '../../pods/start-phases.js';
import { describePod } from '../describe-format.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { fetchStatus, StatusRequestError } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';

export interface DescribeCommandOptions extends StatusSocketFlags {
  namespace?: string;
  /** Times in UTC instead of the local zone (for tests and reproducible output). */
  timeZone?: 'local' | 'utc';
}

export function register(program: Command): void {
  const cmd = program
    .command('describe')
    .description('show a pod of a running staticlet in detail, with its events, like kubectl describe pod')
    .argument('<pod>', 'pod name, or namespace/name')
    .option('-n, --namespace <namespace>', 'namespace of the pod (default "default")')
    .action(async (pod: string, opts: DescribeCommandOptions, self: Command) => {
      setExitCode(self, await describeCommand(pod, opts));
    });
  addStatusSocketFlags(cmd);
}

export class PodNotFound extends Error {}

export const podPath = (namespace: string, name: string): string => `/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

const isNotFound = (err: unknown): boolean => err instanceof StatusRequestError && err.code === 404;

/**
 * Finds the pod. A bare name is looked up in "default" (or -n); when it is not there, the name
 * as written in the manifest also matches (static pods carry a "-<node>" suffix), and without
 * -n a unique match in another namespace is taken, since static pods often live in kube-system.
 */
export async function findPod(socket: string, namespace: string, name: string, explicit: boolean): Promise<Pod> {
  try {
    return await fetchStatus<Pod>(socket, podPath(namespace, name));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const all = await fetchStatus<PodList>(socket, '/pods');
  const matches = (all.items ?? []).filter(
    (p) => (p.metadata?.name === name || p.metadata?.name === `${name}-${p.spec?.nodeName ?? ''}`) && (!explicit || p.metadata?.namespace === namespace),
  );
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new PodNotFound(explicit ? `pod "${name}" not found in namespace "${namespace}"` : `pod "${name}" not found`);
  const names = matches.map((p) => `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`).sort();
  throw new PodNotFound(`pod "${name}" is ambiguous: ${names.join(', ')}; use namespace/name`);
}

export function parsePodArg(arg: string, namespaceFlag: string | undefined): { namespace: string; name: string; explicit: boolean } | undefined {
  const parts = arg.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: namespaceFlag || 'default', name: parts[0], explicit: Boolean(namespaceFlag) };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1], explicit: true };
  return undefined;
}

/** The `describe` action, with injectable streams and clock for tests. */
export async function describeCommand(podArg: string, opts: DescribeCommandOptions, out: Output = processOutput(), now: () => number = Date.now): Promise<number> {
  const target = parsePodArg(podArg, opts.namespace);
  if (!target) {
    out.stderr.write(`staticlet describe: invalid pod "${podArg}": expected NAME or NAMESPACE/NAME\n`);
    return EXIT_USAGE;
  }
  const socket = statusSocketFrom(opts);
  try {
    const pod = await findPod(socket, target.namespace, target.name, target.explicit);
    const ns = pod.metadata?.namespace ?? target.namespace;
    const name = pod.metadata?.name ?? target.name;
    // Like kubectl, a pod without retrievable events is still worth describing.
    const events = await fetchStatus<{ items?: PodEvent[] }>(socket, `${podPath(ns, name)}/events`).then(
      (l) => l.items ?? [],
      () => [],
    );
    // An older staticlet, or a pod it adopted rather than started, has no breakdown: no section.
    const startPhases = await fetchStatus<StartBreakdown>(socket, `${podPath(ns, name)}/start-phases`).catch(() => undefined);
    out.stdout.write(describePod(pod, events, { now: now(), ...(opts.timeZone ? { timeZone: opts.timeZone } : {}), ...(startPhases ? { startPhases } : {}) }));
    return EXIT_OK;
  } catch (err) {
    out.stderr.write(`staticlet describe: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
}
