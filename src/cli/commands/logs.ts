import { join } from 'node:path';
import type { Command } from 'commander';
import type { Pod } from '../../api/generated/core-v1.js';
import { parseDuration } from '../../config/duration.js';
import { pickInstance, restartCounts } from '../../logs/files.js';
import { readLogs } from '../../logs/follow.js';
import { lineWriter } from '../../logs/writer.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { fetchStatus, StatusRequestError } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';
import { findPod, parsePodArg, podPath } from './describe.js';

export interface LogsCommandOptions extends StatusSocketFlags {
  namespace?: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: string;
  since?: string;
  timestamps?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('logs')
    .description("print a container's logs from a running staticlet's pod, like kubectl logs")
    .argument('<pod>', 'pod name, or namespace/name')
    .option('-n, --namespace <namespace>', 'namespace of the pod (default "default")')
    .option('-c, --container <name>', 'container name (default: the only container)')
    .option('-f, --follow', 'keep printing new lines, across restarts of the container')
    .option('-p, --previous', 'the previous instance of the container (before its last restart)')
    .option('--tail <lines>', 'only the last N lines (-1: all)')
    .option('--since <duration>', 'only lines newer than this, e.g. 10s, 5m, 1h')
    .option('--timestamps', 'prefix each line with its RFC3339Nano time')
    .action(async (pod: string, opts: LogsCommandOptions, self: Command) => {
      setExitCode(self, await logsCommand(pod, opts));
    });
  addStatusSocketFlags(cmd);
}

/** The container kubectl would pick, or an error naming the choices. */
export function chooseContainer(pod: Pod, wanted: string | undefined): { name: string } | { error: string } {
  const app = (pod.spec?.containers ?? []).map((c) => c.name);
  const init = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const podName = pod.metadata?.name ?? '';
  if (wanted) {
    return app.includes(wanted) || init.includes(wanted) ? { name: wanted } : { error: `container ${wanted} is not valid for pod ${podName}` };
  }
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && (app.includes(annotated) || init.includes(annotated))) return { name: annotated };
  if (app.length === 1) return { name: app[0]! };
  const initPart = init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : '';
  return { error: `a container name must be specified for pod ${podName}, choose one of: [${app.join(' ')}]${initPart}` };
}

function waitingReason(pod: Pod, container: string): string | undefined {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.find((s) => s.name === container)?.state?.waiting?.reason;
}

interface Parsed {
  tail?: number;
  sinceMs?: number;
}

function parseFilters(opts: LogsCommandOptions, now: number): Parsed | string {
  const out: Parsed = {};
  if (opts.tail !== undefined) {
    if (!/^-?\d+$/.test(opts.tail)) return `invalid --tail "${opts.tail}": expected a whole number`;
    out.tail = Number(opts.tail);
  }
  if (opts.since !== undefined) {
    let ms: number;
    try {
      ms = parseDuration(opts.since);
    } catch (err) {
      return `invalid --since: ${(err as Error).message}`;
    }
    if (ms < 0) return `invalid --since "${opts.since}": must be positive`;
    out.sinceMs = now - ms;
  }
  return out;
}

export { lineWriter } from '../../logs/writer.js';

/** The `logs` action, with injectable streams, clock and abort signal for tests. */
export async function logsCommand(podArg: string, opts: LogsCommandOptions, out: Output = processOutput(), now: () => number = Date.now, signal?: AbortSignal): Promise<number> {
  const fail = (code: number, msg: string): number => {
    out.stderr.write(`staticlet logs: ${msg}\n`);
    return code;
  };
  const target = parsePodArg(podArg, opts.namespace);
  if (!target) return fail(EXIT_USAGE, `invalid pod "${podArg}": expected NAME or NAMESPACE/NAME`);
  const filters = parseFilters(opts, now());
  if (typeof filters === 'string') return fail(EXIT_USAGE, filters);
  const socket = statusSocketFrom(opts);
  try {
    const pod = await findPod(socket, target.namespace, target.name, target.explicit);
    const ns = pod.metadata?.namespace ?? target.namespace;
    const name = pod.metadata?.name ?? target.name;
    const uid = pod.metadata?.uid;
    const choice = chooseContainer(pod, opts.container);
    if ('error' in choice) return fail(EXIT_FAILURE, choice.error);
    const { directory } = await fetchStatus<{ directory: string }>(socket, `${podPath(ns, name)}/log-directory`);
    const containerDir = join(directory, choice.name);
    const instance = pickInstance(await restartCounts(containerDir), opts.previous === true);
    if (instance === undefined) {
      if (opts.previous) return fail(EXIT_FAILURE, `previous terminated container "${choice.name}" in pod "${name}" not found`);
      const reason = waitingReason(pod, choice.name);
      return fail(EXIT_FAILURE, `container "${choice.name}" in pod "${name}" ${reason ? `is waiting to start: ${reason}` : 'has no logs yet'}`);
    }
    // Following ends when the pod is gone, replaced (new UID) or finished for good.
    const done = async (): Promise<boolean> => {
      try {
        const p = await fetchStatus<Pod>(socket, podPath(ns, name));
        return p.metadata?.uid !== uid || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
      } catch (err) {
        return err instanceof StatusRequestError && err.code === 404;
      }
    };
    const writer = lineWriter(out.stdout, opts.timestamps === true);
    await readLogs({ containerDir, instance, follow: opts.follow === true && !opts.previous, done, backpressure: writer.backpressure, ...filters, ...(signal ? { signal } : {}) }, writer.emit);
    return EXIT_OK;
  } catch (err) {
    return fail(EXIT_FAILURE, (err as Error).message);
  }
}
