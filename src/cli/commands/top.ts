import type { Command } from 'commander';
import type { NodeAdmissionSummary } from '../../admission/index.js';
import type { PodStats, Summary } from '../../stats/types.js';
import { parseQuantity, scaledValue } from '../../validation/index.js';
import { EXIT_FAILURE, EXIT_OK, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { fetchStatus } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';
import { escapeTerminal, TABLE_TABWRITER, tabulate } from '../tabwriter.js';

export interface TopPodsOptions extends StatusSocketFlags {
  namespace?: string;
  allNamespaces?: boolean;
  containers?: boolean;
}

export function register(program: Command): void {
  const top = program.command('top').description('CPU and memory of the node and its pods, like kubectl top, from a running staticlet');
  const pods = top
    .command('pods')
    .alias('pod')
    .description('CPU (cores) and memory (working set) of each pod')
    .option('-n, --namespace <namespace>', 'only pods of this namespace')
    .option('-A, --all-namespaces', 'pods of every namespace (the default)')
    .option('--containers', 'one line per container')
    .action(async (opts: TopPodsOptions, self: Command) => setExitCode(self, await topPods(opts)));
  addStatusSocketFlags(pods);
  const node = top
    .command('node')
    .alias('nodes')
    .description('CPU and memory used on the node, and as a share of allocatable')
    .action(async (opts: StatusSocketFlags, self: Command) => setExitCode(self, await topNode(opts)));
  addStatusSocketFlags(node);
}

/** kubectl top's units: millicores, and memory in Mi. */
export function formatCpu(nanoCores: number | undefined): string {
  return nanoCores === undefined ? '<unknown>' : `${Math.round(nanoCores / 1e6)}m`;
}

export function formatMemory(bytes: number | undefined): string {
  return bytes === undefined ? '<unknown>' : `${Math.round(bytes / (1024 * 1024))}Mi`;
}

const SUMMARY_PATH = '/stats/summary?only_cpu_and_memory=true';

/** The `top pods` action, with injectable streams for tests. */
export async function topPods(opts: TopPodsOptions, out: Output = processOutput()): Promise<number> {
  let summary: Summary;
  try {
    summary = await fetchStatus<Summary>(statusSocketFrom(opts), SUMMARY_PATH);
  } catch (err) {
    out.stderr.write(`staticlet top pods: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  const namespace = opts.allNamespaces ? undefined : opts.namespace;
  // As kubectl top: a pod with no figures yet (nothing running) is left out, not shown as unknown.
  const pods = summary.pods.filter((p) => (namespace === undefined || p.podRef.namespace === namespace) && (p.cpu || p.memory)).sort(byRef);
  if (pods.length === 0) {
    out.stderr.write(namespace === undefined ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
    return EXIT_OK;
  }
  out.stdout.write(formatTopPods(pods, { showNamespace: namespace === undefined, containers: opts.containers === true }));
  return EXIT_OK;
}

export function formatTopPods(pods: readonly PodStats[], o: { showNamespace: boolean; containers: boolean }): string {
  const cols = [...(o.showNamespace ? ['NAMESPACE'] : []), 'NAME', ...(o.containers ? ['CONTAINER'] : []), 'CPU(cores)', 'MEMORY(bytes)'];
  const rows = [cols.join('\t')];
  for (const p of pods) {
    const lead = [...(o.showNamespace ? [p.podRef.namespace] : []), p.podRef.name];
    if (!o.containers) {
      rows.push([...lead, formatCpu(p.cpu?.usageNanoCores), formatMemory(p.memory?.workingSetBytes)].join('\t'));
      continue;
    }
    for (const c of p.containers) rows.push([...lead, c.name, formatCpu(c.cpu?.usageNanoCores), formatMemory(c.memory?.workingSetBytes)].join('\t'));
  }
  return tabulate(escapeTerminal(`${rows.join('\n')}\n`), TABLE_TABWRITER);
}

/** The `top node` action. */
export async function topNode(opts: StatusSocketFlags, out: Output = processOutput()): Promise<number> {
  const socket = statusSocketFrom(opts);
  let summary: Summary;
  let node: NodeAdmissionSummary | undefined;
  try {
    [summary, node] = await Promise.all([fetchStatus<Summary>(socket, SUMMARY_PATH), fetchStatus<NodeAdmissionSummary>(socket, '/node').catch(() => undefined)]);
  } catch (err) {
    out.stderr.write(`staticlet top node: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  out.stdout.write(formatTopNode(summary, node?.allocatable));
  return EXIT_OK;
}

export function formatTopNode(summary: Summary, allocatable: Record<string, string> | undefined): string {
  const n = summary.node;
  const cpu = n.cpu?.usageNanoCores;
  const mem = n.memory?.workingSetBytes;
  // Shares of allocatable, as kubectl top node computes them.
  const cpuAlloc = amount(allocatable?.cpu, -9);
  const memAlloc = amount(allocatable?.memory, 0);
  const pct = (used: number | undefined, of: number | undefined): string => (used === undefined || !of ? '<unknown>' : `${Math.round((used / of) * 100)}%`);
  const rows = ['NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)', [n.nodeName, formatCpu(cpu), pct(cpu, cpuAlloc), formatMemory(mem), pct(mem, memAlloc)].join('\t')];
  return tabulate(escapeTerminal(`${rows.join('\n')}\n`), TABLE_TABWRITER);
}

/** A quantity in units of 10^scale (cpu in nanocores: scale -9). */
function amount(q: string | undefined, scale: number): number | undefined {
  const parsed = q === undefined ? undefined : parseQuantity(q);
  return parsed ? Number(scaledValue(parsed, scale)) : undefined;
}

function byRef(a: PodStats, b: PodStats): number {
  const ka = `${a.podRef.namespace}/${a.podRef.name}`;
  const kb = `${b.podRef.namespace}/${b.podRef.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
