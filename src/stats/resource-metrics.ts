import { Counter, Gauge, type Registry } from 'prom-client';
import type { ContainerStats, PodStats, Summary } from './types.js';

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
}

const podLabels = (p: PodStats): Labels => ({ pod: p.podRef.name, namespace: p.podRef.namespace });
const one = (labels: Labels, value: number | undefined): Sample[] => (value === undefined ? [] : [{ labels, value }]);
const perPod = (value: (p: PodStats) => number | undefined) => (s: Summary) => s.pods.flatMap((p) => one(podLabels(p), value(p)));
const perContainer = (value: (c: ContainerStats) => number | undefined) => (s: Summary) =>
  s.pods.flatMap((p) => p.containers.flatMap((c) => one({ container: c.name, ...podLabels(p) }, value(c))));
const seconds = (ns: number | undefined): number | undefined => (ns === undefined ? undefined : ns / 1e9);

/**
 * The kubelet's /metrics/resource: CPU and working set of the node, pods and containers, read
 * from one cpu-and-memory summary per scrape. Every series is rebuilt at each scrape, so a pod
 * that went away leaves no series behind.
 */
export function registerResourceMetrics(registry: Registry, summary: () => Promise<Summary>): () => Promise<void> {
  const registers = [registry];
  // One summary per scrape, read by prepare() before the registry renders; every collect()
  // below reads that one, so the series of one scrape agree with each other.
  let current: Summary | undefined;
  let failed = false;

  const define = (type: 'counter' | 'gauge', name: string, help: string, labelNames: string[], samples: (s: Summary) => Sample[]): void => {
    const fill = (put: (labels: Labels, value: number) => void): void => {
      for (const x of current ? samples(current) : []) put(x.labels, x.value);
    };
    if (type === 'counter') {
      new Counter({ name, help, labelNames, registers, collect() { this.reset(); fill((l, v) => this.inc(l, v)); } });
    } else {
      new Gauge({ name, help, labelNames, registers, collect() { this.reset(); fill((l, v) => this.set(l, v)); } });
    }
  };
  const pod = ['pod', 'namespace'];
  const container = ['container', 'pod', 'namespace'];
  define('counter', 'node_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the node in core-seconds', [], (s) => one({}, seconds(s.node.cpu?.usageCoreNanoSeconds)));
  define('gauge', 'node_memory_working_set_bytes', '[STABLE] Current working set of the node in bytes', [], (s) => one({}, s.node.memory?.workingSetBytes));
  define('counter', 'pod_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds', pod, perPod((p) => seconds(p.cpu?.usageCoreNanoSeconds)));
  define('gauge', 'pod_memory_working_set_bytes', '[STABLE] Current working set of the pod in bytes', pod, perPod((p) => p.memory?.workingSetBytes));
  define('counter', 'container_cpu_usage_seconds_total', '[STABLE] Cumulative cpu time consumed by the container in core-seconds', container, perContainer((c) => seconds(c.cpu?.usageCoreNanoSeconds)));
  define('gauge', 'container_memory_working_set_bytes', '[STABLE] Current working set of the container in bytes', container, perContainer((c) => c.memory?.workingSetBytes));
  define('gauge', 'container_start_time_seconds', '[STABLE] Start time of the container since unix epoch in seconds', container, perContainer((c) => (c.cpu || c.memory ? Date.parse(c.startTime) / 1000 : undefined)));
  for (const [name, help] of [
    ['scrape_error', '[ALPHA] 1 if there was an error while getting container metrics, 0 otherwise'],
    ['resource_scrape_error', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise'],
  ] as const) {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(failed ? 1 : 0);
      },
    });
  }
  return async () => {
    try {
      current = await summary();
      failed = false;
    } catch {
      current = undefined;
      failed = true;
    }
  };
}
