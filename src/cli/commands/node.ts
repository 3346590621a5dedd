import { Option, type Command } from 'commander';
import { amountOf, type NodeAdmissionSummary } from '../../admission/index.js';
import { EXIT_FAILURE, EXIT_OK, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';
import { fetchStatus } from '../status-client.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';
import { PrefixWriter, writeLabels } from '../describe-writer.js';

export interface NodeOptions extends StatusSocketFlags {
  output?: 'json';
}

export function register(program: Command): void {
  const cmd = program
    .command('node')
    .description("show the node's capacity, allocatable resources and what admitted pods request, like kubectl describe node")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json']))
    .action(async (opts: NodeOptions, self: Command) => {
      setExitCode(self, await showNode(opts));
    });
  addStatusSocketFlags(cmd);
}

function percent(resource: string, used: string | undefined, total: string | undefined): string {
  const u = amountOf(resource, used ?? '0');
  const t = amountOf(resource, total ?? '0');
  // Integer percent, rounded down, as kubectl describe prints it.
  return t > 0n ? ` (${(u * 100n) / t}%)` : '';
}

/** The describe-node style sections. */
export function formatNode(n: NodeAdmissionSummary): string {
  const w = new PrefixWriter();
  writeLabels(w, 'Labels', n.labels);
  for (const [title, list] of [['Capacity', n.capacity], ['Allocatable', n.allocatable]] as const) {
    w.write(0, `${title}:\n`);
    for (const [k, v] of Object.entries(list)) w.write(1, `${k}:\t${v}\n`);
  }
  w.write(0, 'Allocated resources:\n');
  w.write(1, 'Resource\tRequests\n');
  w.write(1, '--------\t--------\n');
  for (const name of Object.keys(n.allocatable)) {
    const used = n.requested[name] ?? '0';
    w.write(1, `${name}\t${used}${percent(name, used, n.allocatable[name])}\n`);
  }
  if (n.waiting.length > 0) {
    w.write(0, 'Waiting for admission:\n');
    w.write(1, 'Pod\tReason\tMessage\n');
    w.write(1, '---\t------\t-------\n');
    for (const p of n.waiting) w.write(1, `${p.namespace}/${p.name}\t${p.reason}\t${p.message}\n`);
  }
  return w.render();
}

/** The `node` action, with injectable streams for tests. */
export async function showNode(opts: NodeOptions, out: Output = processOutput()): Promise<number> {
  let node: NodeAdmissionSummary;
  try {
    node = await fetchStatus<NodeAdmissionSummary>(statusSocketFrom(opts), '/node');
  } catch (err) {
    out.stderr.write(`staticlet node: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  out.stdout.write(opts.output === 'json' ? `${JSON.stringify(node, null, 2)}\n` : formatNode(node));
  return EXIT_OK;
}
