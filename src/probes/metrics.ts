import { Counter, Histogram, type Registry } from 'prom-client';
import { DEF_BUCKETS } from '../metrics/buckets.js';
import type { ProbeKind } from './types.js';

/** The kubelet's probe_type label values. */
const PROBE_TYPE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

export interface ProbeSeriesRef {
  kind: ProbeKind;
  container: string;
  pod: string;
  namespace: string;
  podUid: string;
}

/** The series of one probe worker, resolved once so an attempt costs two increments. */
export interface ProbeSeries {
  /** An attempt's result; `seconds` is recorded for successful attempts only, as the kubelet does. */
  observe(successful: boolean, seconds: number): void;
}

/** prober_probe_total and prober_probe_duration_seconds (the kubelet's /metrics/probes). */
export interface ProbeMetrics {
  series(ref: ProbeSeriesRef): ProbeSeries;
  /** The pod is gone: its series go with it, so that removed pods do not pile up. */
  forgetPod(podUid: string): void;
}

export function createProbeMetrics(registry: Registry): ProbeMetrics {
  const total = new Counter({
    name: 'prober_probe_total',
    help: '[BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.',
    labelNames: ['probe_type', 'result', 'container', 'pod', 'namespace', 'pod_uid'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'prober_probe_duration_seconds',
    help: '[ALPHA] Duration in seconds for a probe response.',
    labelNames: ['probe_type', 'container', 'pod', 'namespace'],
    buckets: [...DEF_BUCKETS],
    registers: [registry],
  });
  /** Label sets handed out per pod UID, so that forgetPod knows what to remove. */
  const byPod = new Map<string, Map<string, ProbeSeriesRef>>();
  const totalLabels = (r: ProbeSeriesRef, result: string) => ({ probe_type: PROBE_TYPE[r.kind], result, container: r.container, pod: r.pod, namespace: r.namespace, pod_uid: r.podUid });
  const durationLabels = (r: ProbeSeriesRef) => ({ probe_type: PROBE_TYPE[r.kind], container: r.container, pod: r.pod, namespace: r.namespace });
  return {
    series(ref) {
      let refs = byPod.get(ref.podUid);
      if (!refs) byPod.set(ref.podUid, (refs = new Map()));
      refs.set(`${ref.kind}/${ref.container}`, ref);
      const ok = total.labels(totalLabels(ref, 'successful'));
      const failed = total.labels(totalLabels(ref, 'failed'));
      const time = duration.labels(durationLabels(ref));
      return {
        observe(successful, seconds) {
          if (successful) {
            ok.inc();
            time.observe(seconds);
          } else failed.inc();
        },
      };
    },
    forgetPod(podUid) {
      const refs = byPod.get(podUid);
      if (!refs) return;
      byPod.delete(podUid);
      for (const r of refs.values()) {
        for (const result of ['successful', 'failed', 'unknown']) total.remove(totalLabels(r, result));
        // Another pod of the same name and namespace (a successor with a new UID) keeps its series.
        const shared = [...byPod.values()].some((m) => [...m.values()].some((o) => o.kind === r.kind && o.container === r.container && o.pod === r.pod && o.namespace === r.namespace));
        if (!shared) duration.remove(durationLabels(r));
      }
    },
  };
}
