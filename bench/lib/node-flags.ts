import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../../systemd/staticlet.service', import.meta.url));

/**
 * The Node flags the shipped systemd unit runs staticlet with: the words between `node` and the
 * script on its ExecStart line. Benchmarks run the supervisor (and the bare prober, so that the
 * floor it measures is comparable) the way a service install does.
 */
export function serviceNodeFlags(unitText: string = readFileSync(UNIT, 'utf8')): string[] {
  const line = unitText.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!line) throw new Error('systemd/staticlet.service has no ExecStart line');
  const words = line.slice('ExecStart='.length).trim().split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  const script = words.findIndex((w) => w.endsWith('/staticlet.js'));
  if (node < 0 || script < node) throw new Error(`cannot find "node ... staticlet.js" in ${line}`);
  return words.slice(node + 1, script);
}

/** PROBES_NODE_ARGS-style override: unset means the service's flags, set (even empty) replaces them. */
export function nodeFlagsFromEnv(name: string): string[] {
  const raw = process.env[name];
  return raw === undefined ? serviceNodeFlags() : raw.split(' ').filter(Boolean);
}

/**
 * The environment the shipped unit sets (its Environment= lines, NAME=VALUE words): malloc
 * tuning that changes how much memory staticlet keeps resident, so tests and benchmarks that
 * measure it run staticlet with the same.
 */
export function serviceEnvironment(unitText: string = readFileSync(UNIT, 'utf8')): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    if (!line.startsWith('Environment=')) continue;
    for (const word of line.slice('Environment='.length).trim().split(/\s+/)) {
      const eq = word.indexOf('=');
      if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  return env;
}
