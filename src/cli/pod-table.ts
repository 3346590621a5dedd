import type { Pod } from '../api/generated/core-v1.js';
import type { RejectionView } from '../server/types.js';
import { since } from './human-duration.js';
import { summarizePod } from './pod-status.js';
import { escapeTerminal, tabulate, TABLE_TABWRITER } from './tabwriter.js';

export interface PodTableOptions {
  now: number;
  /** -o wide: adds IP and NODE. */
  wide?: boolean;
  /** Leading NAMESPACE column, as with `kubectl get pods -A`. */
  showNamespace?: boolean;
}

/** Namespace, then name: the order the API server lists pods in. */
export function sortPods(pods: readonly Pod[]): Pod[] {
  const key = (p: Pod): [string, string] => [p.metadata?.namespace ?? 'default', p.metadata?.name ?? ''];
  return [...pods].sort((a, b) => {
    const [na, ma] = key(a);
    const [nb, mb] = key(b);
    return na < nb ? -1 : na > nb ? 1 : ma < mb ? -1 : ma > mb ? 1 : 0;
  });
}

/** The `kubectl get pods` table, header included; empty string for no pods. */
export function formatPodTable(pods: readonly Pod[], opts: PodTableOptions): string {
  if (pods.length === 0) return '';
  const header = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  if (opts.wide) header.push('IP', 'NODE');
  if (opts.showNamespace) header.unshift('NAMESPACE');
  const rows = [header];
  for (const pod of sortPods(pods)) {
    const s = summarizePod(pod, opts.now);
    const row = [s.name, s.ready, s.status, s.restarts, s.age];
    if (opts.wide) row.push(s.ip, s.node);
    if (opts.showNamespace) row.unshift(s.namespace);
    rows.push(row);
  }
  // Tabs inside values would split cells; kubectl's printer has the same caveat.
  const text = rows.map((r) => `${r.map((c) => c.replace(/[\t\n]/g, ' ')).join('\t')}\n`).join('');
  return escapeTerminal(tabulate(text, TABLE_TABWRITER));
}

/** The first error without the `<source>: ` prefix manifest errors carry, which we print already. */
function firstError(r: RejectionView): string {
  const first = r.errors[0] ?? 'rejected';
  return first.startsWith(`${r.source}: `) ? first.slice(r.source.length + 2) : first;
}

/** The note printed under the table when manifests are refused; empty when none are. */
export function formatRejections(rejections: readonly RejectionView[], now: number): string {
  if (rejections.length === 0) return '';
  const lines = ['Rejected manifests:'];
  for (const r of rejections) {
    const more = r.errors.length > 1 ? ` (+${r.errors.length - 1} more)` : '';
    lines.push(`  ${r.source}: ${firstError(r)}${more}`);
    const age = since(r.since, now);
    const when = age === '<unknown>' ? 'rejected' : `rejected ${age} ago`;
    lines.push(
      r.keptPods.length > 0
        ? `    ${when}; still running from the last good version: ${r.keptPods.join(', ')}`
        : `    ${when}; no earlier version of it is running`,
    );
  }
  return escapeTerminal(`${lines.join('\n')}\n`);
}
