import type { Logger } from '../logging/logger.js';
import type { EventFeed, EventListener, EventRecorder, EventTarget, EventType, PodEvent } from './types.js';

export interface EventLogOptions {
  /** Node name, reported as source.host. */
  host: string;
  logger?: Logger;
  /** Distinct events kept per pod (default 100). */
  perPod?: number;
  /** Pods kept (default 512); the least recently updated pod is evicted first. */
  maxPods?: number;
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

export const DEFAULT_EVENTS_PER_POD = 100;
export const DEFAULT_MAX_EVENT_PODS = 512;

/** RFC 3339 with seconds precision, the way core/v1 Event timestamps serialize. */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `spec.containers{name}` / `spec.initContainers{name}` → name, as the kubelet writes field paths. */
export function containerOfFieldPath(fieldPath: string | undefined): string | undefined {
  const m = fieldPath ? /^spec\.(?:initContainers|containers|ephemeralContainers)\{(.+)\}$/.exec(fieldPath) : null;
  return m ? m[1] : undefined;
}

/**
 * In-memory, bounded event store aggregating repeats the way the Kubernetes event correlator
 * does: an event identical in type, reason, message and field path to one already kept for the
 * same pod bumps that one's count instead of adding a line, so a crash loop stays one entry.
 *
 * Per pod, entries are ordered by last occurrence: a repeat moves to the end, so the oldest
 * entry is also the least recently seen one and is the first to go when the pod's ring is full.
 */
export class EventLog implements EventRecorder, EventFeed {
  private readonly host: string;
  private readonly logger: Logger | undefined;
  private readonly perPod: number;
  private readonly maxPods: number;
  private readonly now: () => number;
  // Map iteration order is insertion order; delete + set moves a key to the end, which gives
  // both the per-pod ring and the pod LRU without extra bookkeeping.
  private readonly pods = new Map<string, Map<string, PodEvent>>();
  private readonly listeners = new Set<EventListener>();

  constructor(opts: EventLogOptions) {
    this.host = opts.host;
    this.logger = opts.logger;
    this.perPod = positiveInt('perPod', opts.perPod ?? DEFAULT_EVENTS_PER_POD);
    this.maxPods = positiveInt('maxPods', opts.maxPods ?? DEFAULT_MAX_EVENT_PODS);
    this.now = opts.now ?? Date.now;
  }

  record(target: EventTarget, type: EventType, reason: string, message: string): void {
    const stamp = rfc3339Seconds(this.now());
    const events = this.touchPod(target.uid);
    const key = JSON.stringify([type, reason, message, target.fieldPath ?? '']);
    let event = events.get(key);
    if (event) {
      events.delete(key);
      event.count++;
      event.lastTimestamp = stamp;
    } else {
      event = {
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        involvedObject: { kind: 'Pod', apiVersion: 'v1', ...copyTarget(target) },
        source: { component: 'staticlet', host: this.host },
      };
    }
    events.set(key, event);
    if (events.size > this.perPod) events.delete(events.keys().next().value as string);
    this.log(target, event);
    for (const l of this.listeners) {
      try {
        l(copyTarget(target), type, reason, message);
      } catch (err) {
        // A listener's bug must not break the pod worker that recorded the event.
        this.logger?.error({ err: (err as Error).message, reason }, 'event listener failed');
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events of a pod, oldest (least recently seen) first; copies, safe to hand out. */
  list(uid: string): PodEvent[] {
    const events = this.pods.get(uid);
    if (!events) return [];
    return [...events.values()].map((e) => ({ ...e, involvedObject: { ...e.involvedObject }, source: { ...e.source } }));
  }

  /** Drops a pod's events, once the pod is gone for good. */
  forget(uid: string): void {
    this.pods.delete(uid);
  }

  private touchPod(uid: string): Map<string, PodEvent> {
    let events = this.pods.get(uid);
    if (events) {
      this.pods.delete(uid);
    } else {
      events = new Map();
    }
    this.pods.set(uid, events);
    if (this.pods.size > this.maxPods) this.pods.delete(this.pods.keys().next().value as string);
    return events;
  }

  private log(target: EventTarget, event: PodEvent): void {
    if (!this.logger) return;
    const container = containerOfFieldPath(target.fieldPath);
    const fields = {
      pod: `${target.namespace}/${target.name}`,
      uid: target.uid,
      reason: event.reason,
      ...(container ? { container } : {}),
      count: event.count,
    };
    if (event.type === 'Warning') this.logger.warn(fields, event.message);
    else this.logger.info(fields, event.message);
  }
}

function copyTarget(t: EventTarget): EventTarget {
  return { namespace: t.namespace, name: t.name, uid: t.uid, ...(t.fieldPath ? { fieldPath: t.fieldPath } : {}) };
}

function positiveInt(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`EventLog: ${name} must be a positive integer, got ${n}`);
  return n;
}
