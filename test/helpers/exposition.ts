/**
 * A small reader of the Prometheus text exposition format, for tests: families with their TYPE
 * and samples with labels. Enough for what prom-client writes (no escapes beyond \" \\ \n).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      let f = families.get(name);
      if (!f) families.set(name, (f = { name, type: '', help: '', samples: [] }));
      if (kind === 'TYPE') f.type = rest;
      else f.help = rest;
      current = f;
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const [, name = '', rawLabels = '', value = ''] = m;
    const labels: Record<string, string> = {};
    for (const l of rawLabels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    const family = current && (name === current.name || name.startsWith(`${current.name}_`)) ? current : families.get(name);
    if (!family) throw new Error(`sample ${name} outside any family`);
    family.samples.push({ name, labels, value: Number(value) });
  }
  return families;
}

/** Histogram bucket bounds (le) of one series, +Inf left out. */
export function bucketsOf(f: Family, match: Record<string, string> = {}): number[] {
  return f.samples
    .filter((s) => s.name === `${f.name}_bucket` && Object.entries(match).every(([k, v]) => s.labels[k] === v) && s.labels.le !== '+Inf')
    .map((s) => Number(s.labels.le));
}

/** Label names of a family's samples (le and quantile aside). */
export function labelNamesOf(f: Family): string[] {
  const names = new Set<string>();
  for (const s of f.samples) for (const k of Object.keys(s.labels)) if (k !== 'le') names.add(k);
  return [...names].sort();
}

/** The sum of a family's samples matching `match` (counters and gauges; histograms: _count). */
export function valueOf(families: Map<string, Family>, name: string, match: Record<string, string> = {}): number | undefined {
  const f = families.get(name);
  if (!f) return undefined;
  const want = f.type === 'histogram' ? `${name}_count` : name;
  const hits = f.samples.filter((s) => s.name === want && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  return hits.length === 0 ? undefined : hits.reduce((n, s) => n + s.value, 0);
}
