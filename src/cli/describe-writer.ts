import type { Toleration } from '../api/generated/core-v1.js';
import { parseTime } from './human-duration.js';
import { DESCRIBE_TABWRITER, escapeTerminal, tabulate } from './tabwriter.js';

/** Collects kubectl-describe text: two spaces per level, tabs separating aligned cells. */
export class PrefixWriter {
  private readonly parts: string[] = [];

  /** Appends `text` (which carries its own newline, as in kubectl) indented by `level`. */
  write(level: number, text: string): void {
    this.parts.push('  '.repeat(level) + text);
  }

  /** The aligned, terminal-safe result. */
  render(): string {
    return escapeTerminal(tabulate(this.parts.join(''), DESCRIBE_TABWRITER));
  }
}

export interface TimeFormat {
  /** kubectl prints times in the local zone; tests pin UTC. */
  timeZone?: 'local' | 'utc';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number): string => String(n).padStart(2, '0');

/** Go's time.RFC1123Z ("Mon, 02 Jan 2006 15:04:05 -0700"); Go's zero time when unset. */
export function rfc1123z(t: string | undefined, tf: TimeFormat = {}): string {
  const ms = parseTime(t);
  if (ms === undefined) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(ms);
  const utc = tf.timeZone === 'utc';
  const offset = utc ? 0 : -d.getTimezoneOffset();
  const [day, date, month, year, h, m, s] = utc
    ? [d.getUTCDay(), d.getUTCDate(), d.getUTCMonth(), d.getUTCFullYear(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getDay(), d.getDate(), d.getMonth(), d.getFullYear(), d.getHours(), d.getMinutes(), d.getSeconds()];
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return `${DAYS[day]}, ${pad(date)} ${MONTHS[month]} ${year} ${pad(h)}:${pad(m)}:${pad(s)} ${zone}`;
}

/** `Title:\tk=v` lines sorted by key, `<none>` when empty (kubectl printLabelsMultiline). */
export function writeLabels(w: PrefixWriter, title: string, labels: Record<string, string> | undefined, indent = ''): void {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return w.write(0, `${indent}${title}:\t<none>\n`);
  keys.forEach((k, i) => w.write(0, `${i === 0 ? `${indent}${title}:` : indent}\t${k}=${labels![k]}\n`));
}

const MAX_ANNOTATION_LEN = 140;
const SKIPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** kubectl printAnnotationsMultiline: long or multi-line values go on their own lines, shortened. */
export function writeAnnotations(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIPPED_ANNOTATIONS.has(k))
    .sort();
  if (keys.length === 0) return w.write(0, `${title}:\t<none>\n`);
  keys.forEach((k, i) => {
    const lead = i === 0 ? `${title}:\t` : '\t';
    const value = annotations![k]!.replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${lead}${k}:\n`);
      for (const line of value.split('\n')) {
        const short = line.length > MAX_ANNOTATION_LEN - 2 ? `${line.slice(0, MAX_ANNOTATION_LEN - 2)}...` : line;
        w.write(0, `\t  ${short}\n`);
      }
    } else {
      w.write(0, `${lead}${k}: ${value}\n`);
    }
  });
}

/** kubectl printPodTolerationsMultiline, e.g. `node.kubernetes.io/not-ready:NoExecute op=Exists for 300s`. */
export function writeTolerations(w: PrefixWriter, title: string, tolerations: Toleration[] | undefined): void {
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  if (list.length === 0) return w.write(0, `${title}:\t<none>\n`);
  list.forEach((t, i) => {
    let text = t.key ?? '';
    if (t.value) text += `=${t.value}`;
    if (t.effect) text += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) text += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${i === 0 ? `${title}:` : ''}\t${text}\n`);
  });
}
