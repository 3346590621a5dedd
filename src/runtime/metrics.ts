import { Counter, Histogram, type Registry } from 'prom-client';
import { RUNTIME_OPERATION_BUCKETS } from '../metrics/buckets.js';
import type { RuntimeClient } from './types.js';

/**
 * kubelet_runtime_operations_{total,duration_seconds,errors_total}{operation_type}, measured
 * around every call the rest of staticlet makes to the runtime, as the kubelet's instrumented
 * runtime service wraps its CRI client.
 */
export interface RuntimeMetrics {
  observe(operation: string, seconds: number, failed: boolean): void;
}

export function createRuntimeMetrics(registry: Registry): RuntimeMetrics {
  const total = new Counter({ name: 'kubelet_runtime_operations_total', help: '[ALPHA] Cumulative number of runtime operations by operation type.', labelNames: ['operation_type'], registers: [registry] });
  const errors = new Counter({ name: 'kubelet_runtime_operations_errors_total', help: '[ALPHA] Cumulative number of runtime operation errors by operation type.', labelNames: ['operation_type'], registers: [registry] });
  const duration = new Histogram({
    name: 'kubelet_runtime_operations_duration_seconds',
    help: '[ALPHA] Duration in seconds of runtime operations. Broken down by operation type.',
    labelNames: ['operation_type'],
    buckets: [...RUNTIME_OPERATION_BUCKETS],
    registers: [registry],
  });
  return {
    observe(operation, seconds, failed) {
      total.inc({ operation_type: operation });
      duration.observe({ operation_type: operation }, seconds);
      if (failed) errors.inc({ operation_type: operation });
    },
  };
}

/**
 * The kubelet's operation_type values, keyed by staticlet's method names. The lean relist
 * variants count as the list calls they are on the wire. Methods not listed (close, endpoint)
 * are not runtime operations.
 */
export const RUNTIME_OPERATIONS: Readonly<Record<string, string>> = {
  version: 'version',
  status: 'status',
  runPodSandbox: 'run_podsandbox',
  stopPodSandbox: 'stop_podsandbox',
  removePodSandbox: 'remove_podsandbox',
  podSandboxStatus: 'podsandbox_status',
  listPodSandboxes: 'list_podsandbox',
  listPodSandboxBriefs: 'list_podsandbox',
  createContainer: 'create_container',
  startContainer: 'start_container',
  stopContainer: 'stop_container',
  removeContainer: 'remove_container',
  listContainers: 'list_containers',
  listContainerBriefs: 'list_containers',
  containerStatus: 'container_status',
  updateContainerResources: 'update_container',
  reopenContainerLog: 'reopen_container_log',
  execSync: 'exec_sync',
  containerStats: 'container_stats',
  listContainerStats: 'list_container_stats',
  listPodSandboxStats: 'list_podsandbox_stats',
  listImages: 'list_images',
  imageStatus: 'image_status',
  pullImage: 'pull_image',
  removeImage: 'remove_image',
  imageFsInfo: 'image_fs_info',
};

/**
 * The same client, with every runtime operation timed and counted. A Proxy rather than a
 * hand-written wrapper class, so that a method added to the client is measured without a
 * second edit here and a test's fake or wrapped runtime is measured the same way. Calls the
 * client makes to itself (removeContainer's status check) run on the target and are not
 * counted twice.
 */
export function instrumentRuntime<T extends RuntimeClient>(client: T, metrics: RuntimeMetrics): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      const op = typeof prop === 'string' ? RUNTIME_OPERATIONS[prop] : undefined;
      if (op === undefined || typeof value !== 'function') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const method = value as (...args: unknown[]) => unknown;
        fn = (...args: unknown[]): unknown => {
          const t0 = performance.now();
          const done = (failed: boolean): void => metrics.observe(op, (performance.now() - t0) / 1000, failed);
          let out: unknown;
          try {
            out = method.apply(target, args);
          } catch (err) {
            done(true);
            throw err;
          }
          if (out instanceof Promise) {
            return out.then(
              (v: unknown) => (done(false), v),
              (err: unknown) => {
                done(true);
                throw err;
              },
            );
          }
          done(false);
          return out;
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/** kubelet_image_pull_duration_seconds{image_size_in_bytes}: the size as one of the kubelet's ranges. */
export type ImagePullObserver = (seconds: number, sizeBytes: number) => void;

const MB = 1024 * 1024;
const GB = 1024 * MB;
/** Upper bounds and their label values; above the last: GT100GB. */
const SIZE_RANGES: ReadonlyArray<[number, string]> = [
  [10 * MB, '0-10MB'],
  [100 * MB, '10MB-100MB'],
  [500 * MB, '100MB-500MB'],
  [1 * GB, '500MB-1GB'],
  [5 * GB, '1GB-5GB'],
  [10 * GB, '5GB-10GB'],
  [20 * GB, '10GB-20GB'],
  [50 * GB, '20GB-50GB'],
  [100 * GB, '50GB-100GB'],
];

export function imageSizeRange(bytes: number): string {
  for (const [max, label] of SIZE_RANGES) if (bytes < max) return label;
  return 'GT100GB';
}

export function createImagePullMetrics(registry: Registry, buckets: readonly number[]): ImagePullObserver {
  const h = new Histogram({
    name: 'kubelet_image_pull_duration_seconds',
    help: '[ALPHA] Duration in seconds to pull an image.',
    labelNames: ['image_size_in_bytes'],
    buckets: [...buckets],
    registers: [registry],
  });
  return (seconds, size) => h.observe({ image_size_in_bytes: imageSizeRange(size) }, seconds);
}
