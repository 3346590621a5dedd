import { Counter, Gauge, type Registry } from 'prom-client';
import type { Summary } from './types.js';

/**
 * The kubelet's /metrics/resource: CPU and working set of the node, pods and containers, read
 * from one cpu-and-memory summary per scrape. Every series is rebuilt at each scrape, so a pod
 * that went away leaves no series behind.
 */
export function registerResourceMetrics(registry: Registry, summary: () => Promise<Summary>): () => Promise<void> {
  const registers = [registry];
  const containerLabels = ['container', 'pod', 'namespace'];
  const podLabels = ['pod', 'namespace'];
  // One summary per scrape, read by prepare() before the registry renders; every collect()
  // below reads that one, so the series of one scrape agree with each other.
  let current: Summary | undefined;
  let failed = false;
  const read = (): Summary | undefined => current;

  new Counter({
    name: 'node_cpu_usage_seconds_total',
    help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
    registers,
    collect() {
      const s = read();
      this.reset();
      const ns = s?.node.cpu?.usageCoreNanoSeconds;
      if (ns !== undefined) this.inc(ns / 1e9);
    },
  });
  new Gauge({
    name: 'node_memory_working_set_bytes',
    help: '[STABLE] Current working set of the node in bytes',
    registers,
    collect() {
      const s = read();
      this.reset();
      const v = s?.node.memory?.workingSetBytes;
      if (v !== undefined) this.set(v);
    },
  });
  new Counter({
    name: 'pod_cpu_usage_seconds_total',
    help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
    labelNames: podLabels,
    registers,
    collect() {
      const s = read();
      this.reset();
      for (const p of s?.pods ?? []) {
        const ns = p.cpu?.usageCoreNanoSeconds;
        if (ns !== undefined) this.inc({ pod: p.podRef.name, namespace: p.podRef.namespace }, ns / 1e9);
      }
    },
  });
  new Gauge({
    name: 'pod_memory_working_set_bytes',
    help: '[STABLE] Current working set of the pod in bytes',
    labelNames: podLabels,
    registers,
    collect() {
      const s = read();
      this.reset();
      for (const p of s?.pods ?? []) {
        const v = p.memory?.workingSetBytes;
        if (v !== undefined) this.set({ pod: p.podRef.name, namespace: p.podRef.namespace }, v);
      }
    },
  });
  new Counter({
    name: 'container_cpu_usage_seconds_total',
    help: '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
    labelNames: containerLabels,
    registers,
    collect() {
      const s = read();
      this.reset();
      for (const p of s?.pods ?? []) {
        for (const c of p.containers) {
          const ns = c.cpu?.usageCoreNanoSeconds;
          if (ns !== undefined) this.inc({ container: c.name, pod: p.podRef.name, namespace: p.podRef.namespace }, ns / 1e9);
        }
      }
    },
  });
  new Gauge({
    name: 'container_memory_working_set_bytes',
    help: '[STABLE] Current working set of the container in bytes',
    labelNames: containerLabels,
    registers,
    collect() {
      const s = read();
      this.reset();
      for (const p of s?.pods ?? []) {
        for (const c of p.containers) {
          const v = c.memory?.workingSetBytes;
          if (v !== undefined) this.set({ container: c.name, pod: p.podRef.name, namespace: p.podRef.namespace }, v);
        }
      }
    },
  });
  new Gauge({
    name: 'container_start_time_seconds',
    help: '[STABLE] Start time of the container since unix epoch in seconds',
    labelNames: containerLabels,
    registers,
    collect() {
      const s = read();
      this.reset();
      for (const p of s?.pods ?? []) {
        for (const c of p.containers) {
          if (c.cpu || c.memory) this.set({ container: c.name, pod: p.podRef.name, namespace: p.podRef.namespace }, Date.parse(c.startTime) / 1000);
        }
      }
    },
  });
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
