import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerHousekeepingMetrics } from '../housekeeping/metrics.js';
import type { JobStatus } from '../housekeeping/scheduler.js';
import { registerManifestMetrics } from '../config/metrics.js';
import type { Rejection } from '../config/desired-state.js';
import { createPodMetrics, type PodCountSource, type PodMetrics } from '../pods/metrics.js';
import { createProbeMetrics, type ProbeMetrics } from '../probes/metrics.js';
import { createImagePullMetrics, createRuntimeMetrics, type ImagePullObserver, type RuntimeMetrics } from '../runtime/metrics.js';
import { registerResourceMetrics } from '../stats/resource-metrics.js';
import type { Summary } from '../stats/types.js';
import { DEF_BUCKETS, IMAGE_PULL_BUCKETS } from './buckets.js';

/** The three metric endpoints of the kubelet's node API. */
export type MetricsEndpoint = 'metrics' | 'probes' | 'resource';

/** One rendered scrape: the exposition text and its Content-Type. */
export interface MetricsText {
  contentType: string;
  body: string;
}

/** One request the node HTTP server answered, for kubelet_http_requests_*. */
export interface HttpRequestObservation {
  method: string;
  /** The route's first segment as the kubelet labels it (`metrics`, `stats`, `pods`, `containerLogs`...), never the raw path. */
  path: string;
  /** `readonly` for the read-only port, else `readwrite`. */
  serverType: 'readonly' | 'readwrite';
  longRunning: boolean;
  seconds: number;
}

/** What the metrics read from the rest of the supervisor, at scrape time; all optional. */
export interface MetricsSources {
  /** Pod workers (running/desired/active/working pods), once the pod manager exists. */
  pods?: () => PodCountSource | undefined;
  /** Manifests refused now. */
  rejections?: () => readonly Rejection[];
  /**
   * Mirror pods the control plane keeps; undefined standalone (the gauge then reads 0). An
   * interface rather than the control plane itself, so metrics load none of its code.
   */
  mirrorPods?: () => number | undefined;
  /** A cpu-and-memory summary for /metrics/resource; absent or failing: resource_scrape_error 1. */
  summary?: () => Promise<Summary>;
  /** The housekeeping jobs' last runs, once the scheduler runs. */
  housekeeping?: () => readonly JobStatus[];
}

export interface NodeMetricsOptions {
  nodeName: string;
  sources?: MetricsSources;
}

/**
 * Every metric of one supervisor, on its own registries (never prom-client's global one), so
 * that two supervisors in one process (tests) do not share or clash. Each group of metrics is
 * registered by the module that measures it; this class only holds them together and renders.
 */
export class NodeMetrics {
  private readonly registries: Record<MetricsEndpoint, Registry>;
  readonly runtime: RuntimeMetrics;
  readonly pods: PodMetrics;
  readonly probes: ProbeMetrics;
  readonly imagePulls: ImagePullObserver;
  private readonly httpTotal: Counter;
  private readonly httpDuration: Histogram;
  private readonly sources: MetricsSources;
  /** Reads the one summary a /metrics/resource scrape renders. */
  private readonly prepareResource: () => Promise<void>;

  constructor(opts: NodeMetricsOptions) {
    this.sources = opts.sources ?? {};
    const main = new Registry();
    const probes = new Registry();
    const resource = new Registry();
    this.registries = { metrics: main, probes, resource };
    const registers = [main];

    const node = new Gauge({ name: 'kubelet_node_name', help: "[ALPHA] The node's name. The count is always 1.", labelNames: ['node'], registers });
    node.set({ node: opts.nodeName }, 1);
    const sources = this.sources;
    new Gauge({
      name: 'kubelet_mirror_pods',
      help: '[ALPHA] The number of mirror pods the kubelet will try to create (one per admitted static pod)',
      registers,
      collect() {
        this.set(sources.mirrorPods?.() ?? 0);
      },
    });
    this.runtime = createRuntimeMetrics(main);
    this.pods = createPodMetrics(main, () => sources.pods?.());
    this.imagePulls = createImagePullMetrics(main, IMAGE_PULL_BUCKETS);
    registerManifestMetrics(main, () => sources.rejections?.() ?? []);
    registerHousekeepingMetrics(main, () => sources.housekeeping?.() ?? []);
    const httpLabels = ['method', 'path', 'server_type', 'long_running'];
    this.httpTotal = new Counter({ name: 'kubelet_http_requests_total', help: '[ALPHA] Number of the http requests received since the server started', labelNames: httpLabels, registers });
    this.httpDuration = new Histogram({
      name: 'kubelet_http_requests_duration_seconds',
      help: '[ALPHA] Duration in seconds to serve http requests',
      labelNames: httpLabels,
      buckets: [...DEF_BUCKETS],
      registers,
    });
    this.probes = createProbeMetrics(probes);
    this.prepareResource = registerResourceMetrics(resource, () => (sources.summary ? sources.summary() : Promise.reject(new Error('no stats yet: the container runtime has not answered'))));
  }

  /** Adds or replaces scrape-time sources (the pod manager and stats exist only once the runtime answers). */
  setSources(more: MetricsSources): void {
    Object.assign(this.sources, more);
  }

  /** The HTTP server's hook, once per answered request. */
  observeHttpRequest(r: HttpRequestObservation): void {
    const labels = { method: r.method, path: r.path, server_type: r.serverType, long_running: String(r.longRunning) };
    this.httpTotal.inc(labels);
    this.httpDuration.observe(labels, r.seconds);
  }

  /** What `/metrics`, `/metrics/probes` or `/metrics/resource` answer. */
  async metricsText(which: MetricsEndpoint): Promise<MetricsText> {
    const registry = this.registries[which];
    if (which === 'resource') await this.prepareResource();
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  /** prober_probe_total by its label set (JSON), for benchmarks and tests. */
  async probeCounts(): Promise<Map<string, number>> {
    const m = await this.registries.probes.getSingleMetric('prober_probe_total')?.get();
    const out = new Map<string, number>();
    for (const v of m?.values ?? []) out.set(JSON.stringify(v.labels), v.value);
    return out;
  }
}
