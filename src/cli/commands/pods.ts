import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { Pod, PodList } from '../../api/generated/core-v1.js';
import type { RejectionView } from '../../server/types.js';
import { EXIT_FAILURE, EXIT_OK, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { formatPodTable, formatRejections, sortPods } from '../pod-table.js';
import { fetchStatus } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';

export interface PodsOptions extends StatusSocketFlags {
  output?: 'wide' | 'json' | 'yaml';
  namespace?: string;
  allNamespaces?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('pods')
    .description('list the pods of a running staticlet, like kubectl get pods -A, and the manifests it refused')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['wide', 'json', 'yaml']))
    .option('-n, --namespace <namespace>', 'only pods of this namespace')
    .option('-A, --all-namespaces', 'pods of every namespace (the default)')
    .action(async (opts: PodsOptions, self: Command) => {
      setExitCode(self, await listPods(opts));
    });
  addStatusSocketFlags(cmd);
}

/** The `pods` action, with injectable streams and clock for tests. */
export async function listPods(opts: PodsOptions, out: Output = processOutput(), now: () => number = Date.now): Promise<number> {
  const socket = statusSocketFrom(opts);
  let pods: Pod[];
  let rejections: RejectionView[];
  let ignored: string[];
  try {
    const [list, rej] = await Promise.all([
      fetchStatus<PodList>(socket, '/pods'),
      fetchStatus<{ items: RejectionView[]; ignored?: string[] }>(socket, '/rejections'),
    ]);
    pods = list.items ?? [];
    rejections = rej.items ?? [];
    ignored = rej.ignored ?? [];
  } catch (err) {
    out.stderr.write(`staticlet pods: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const namespace = opts.allNamespaces ? undefined : opts.namespace;
  const shown = sortPods(namespace === undefined ? pods : pods.filter((p) => (p.metadata?.namespace ?? 'default') === namespace));
  const t = now();
  if (opts.output === 'json' || opts.output === 'yaml') {
    // The shape `kubectl get -o json` prints for a list.
    const doc = { apiVersion: 'v1', kind: 'List', items: shown, metadata: { resourceVersion: '' } };
    out.stdout.write(opts.output === 'json' ? `${JSON.stringify(doc, null, 4)}\n` : stringify(doc));
    // Keep stdout machine-readable; operators still see the refusals.
    out.stderr.write(formatRejections(rejections, t) + formatIgnored(ignored));
    return EXIT_OK;
  }
  if (shown.length === 0) {
    out.stderr.write(namespace === undefined ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
  } else {
    out.stdout.write(formatPodTable(shown, { now: t, wide: opts.output === 'wide', showNamespace: namespace === undefined }));
  }
  const note = formatRejections(rejections, t) + formatIgnored(ignored);
  if (note) out.stdout.write(`${shown.length > 0 ? '\n' : ''}${note}`);
  return EXIT_OK;
}

/** Backup copies in the manifest directory are not read; saying so avoids a silent surprise. */
function formatIgnored(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  return `Ignored files (backup copies, not read as manifests):\n${paths.map((p) => `  ${p}\n`).join('')}`;
}
