import { Gauge, type Registry } from 'prom-client';
import type { Rejection } from './desired-state.js';

/**
 * Why a manifest was refused, as a bounded label: `decode` (the file could not be read as
 * YAML/JSON within the limits), `conflict` (its pod's name is taken by another manifest),
 * `invalid` (schema or validation rules). The full text is in `staticlet pods` and the log.
 */
export function rejectionReason(r: Rejection): string {
  const first = r.errors[0];
  if (!first) return 'invalid';
  if (/already (defined|used|taken)|same namespace\/name|duplicate pod/i.test(first.message)) return 'conflict';
  if (first.path === '' && first.document === undefined) return 'decode';
  return 'invalid';
}

/**
 * staticlet_manifest_rejected{file,reason}: 1 per refused manifest, read from the desired state
 * at scrape time, so a manifest that is fixed or deleted has no series from the next scrape on.
 */
export function registerManifestMetrics(registry: Registry, rejections: () => readonly Rejection[]): void {
  new Gauge({
    name: 'staticlet_manifest_rejected',
    help: 'Manifests staticlet refuses, 1 each, by file (or URL) and reason (decode, invalid, conflict); their last accepted pods keep running.',
    labelNames: ['file', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of rejections()) this.set({ file: r.source.location, reason: rejectionReason(r) }, 1);
    },
  });
}
