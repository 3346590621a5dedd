/**
 * Go's time.Duration text form ("20s", "1m30s", "1h0m0s", "250ms"), which KubeletConfiguration
 * uses for every period. Returned in milliseconds, the unit timers take here.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  let sign = 1;
  let i = 0;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    i = 1;
  }
  if (i >= s.length) throw new Error(`invalid duration "${text}"`);
  let total = 0;
  while (i < s.length) {
    PART.lastIndex = i;
    const m = PART.exec(s);
    if (!m) throw new Error(`invalid duration "${text}": expected a number followed by one of ns, us, ms, s, m, h`);
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
    i = PART.lastIndex;
  }
  return sign * total;
}

/** Prints milliseconds back in Go's style, for logs and `--help` defaults. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  if (h) parts.push(`${h}h`);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  if (h || m) parts.push(`${m}m`);
  rest -= m * 60_000;
  parts.push(`${Number((rest / 1000).toFixed(3))}s`);
  return parts.join('');
}
