/**
 * The client-go event correlator's rules (tools/record/events_cache.go, as control-plane-facts
 * §5 states them), pure: no I/O, the clock injected.
 *
 * 1. Aggregation: events alike in source, object, type and reason (and reporting controller and
 *    instance) but with different messages are counted per 600 s window; from the 10th distinct
 *    message on, the event is replaced by one whose message starts "(combined from similar
 *    events): ", so a flood of slightly different messages becomes one object on the server.
 * 2. Deduplication: an event identical to one already sent (same key, message included) is not
 *    posted again: its count goes up and a PATCH of count, lastTimestamp and message is sent to
 *    the existing Event.
 * 3. Spam filter: per source and involved object, a token bucket of 25 refilling one per 300 s;
 *    an event without a token is dropped.
 *
 * Each cache is an LRU of 4096 entries, so the correlator's memory is bounded whatever it sees.
 */
import { Lru } from './lru.js';
import type { CoreEvent, RepeatPatch } from './types.js';

export const CACHE_SIZE = 4096;
export const MAX_SIMILAR = 10;
export const AGGREGATE_WINDOW_MS = 600_000;
export const SPAM_BURST = 25;
export const SPAM_REFILL_MS = 300_000;
export const COMBINED_PREFIX = '(combined from similar events): ';

export interface CorrelatorOptions {
  now?: () => number;
  /** Nanoseconds since the epoch for event names; strictly increasing by default. */
  nanos?: () => bigint;
  cacheSize?: number;
  spamBurst?: number;
  spamRefillMs?: number;
  maxSimilar?: number;
  aggregateWindowMs?: number;
}

/** What to send: a new Event (POST), or a repeat of an existing one (PATCH, with the full event for a re-create). */
export type Correlated = { skip: true } | { skip: false; event: CoreEvent; patch?: RepeatPatch };

/** The fields a caller chooses; the correlator names, counts and stamps the event. */
export type EventInput = Pick<CoreEvent, 'involvedObject' | 'reason' | 'message' | 'source' | 'type' | 'reportingComponent' | 'reportingInstance'> & { namespace: string };

interface Observation {
  name: string;
  count: number;
  firstTimestamp: string;
}

interface SimilarRecord {
  messages: Set<string>;
  last: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

/** RFC 3339 with seconds precision, the way core/v1 Event timestamps serialize. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "<object name>.<nanoseconds in hex>", as client-go names events. */
export function eventName(objectName: string, nanos: bigint): string {
  return `${objectName}.${nanos.toString(16)}`;
}

/**
 * Wall-clock nanoseconds made strictly increasing: two events in the same microsecond must not
 * get one name, or the second POST would meet AlreadyExists and be lost.
 */
export function monotonicNanos(now: () => number = Date.now): () => bigint {
  let last = 0n;
  const origin = BigInt(now()) * 1_000_000n - process.hrtime.bigint();
  return () => {
    const t = origin + process.hrtime.bigint();
    last = t > last ? t : last + 1n;
    return last;
  };
}

const objectKey = (e: EventInput): string[] => {
  const o = e.involvedObject;
  return [e.source.component, e.source.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion];
};
// JSON arrays as keys: no separator can make two different field lists collide.
const spamKey = (e: EventInput): string => JSON.stringify(objectKey(e));
const similarKey = (e: EventInput): string => JSON.stringify([...objectKey(e), e.type, e.reason, e.reportingComponent, e.reportingInstance]);
const eventKey = (e: EventInput): string =>
  JSON.stringify([...objectKey(e), e.involvedObject.fieldPath ?? '', e.type, e.reason, e.message, e.reportingComponent, e.reportingInstance]);

export class EventCorrelator {
  private readonly now: () => number;
  private readonly nanos: () => bigint;
  private readonly spamBurst: number;
  private readonly spamRefillMs: number;
  private readonly maxSimilar: number;
  private readonly windowMs: number;
  private readonly similar: Lru<SimilarRecord>;
  private readonly observed: Lru<Observation>;
  private readonly buckets: Lru<Bucket>;
  /** Events the spam filter dropped. */
  spamDropped = 0;

  constructor(o: CorrelatorOptions = {}) {
    this.now = o.now ?? Date.now;
    this.nanos = o.nanos ?? monotonicNanos(this.now);
    const size = o.cacheSize ?? CACHE_SIZE;
    this.similar = new Lru(size);
    this.observed = new Lru(size);
    this.buckets = new Lru(size);
    this.spamBurst = o.spamBurst ?? SPAM_BURST;
    this.spamRefillMs = o.spamRefillMs ?? SPAM_REFILL_MS;
    this.maxSimilar = o.maxSimilar ?? MAX_SIMILAR;
    this.windowMs = o.aggregateWindowMs ?? AGGREGATE_WINDOW_MS;
  }

  correlate(input: EventInput): Correlated {
    const now = this.now();
    const { event: fresh, key } = this.aggregate(input, now);
    const { event, patch } = this.observe(fresh, key);
    // Filtered after observing, as client-go does: a repeat that gets through later carries the
    // count of the ones dropped meanwhile.
    if (!this.allow(input, now)) {
      this.spamDropped++;
      return { skip: true };
    }
    return patch ? { skip: false, event, patch } : { skip: false, event };
  }

  /** The event as it would be posted first, or its "combined" replacement; with its dedup key. */
  private aggregate(input: EventInput, now: number): { event: CoreEvent; key: string } {
    const sKey = similarKey(input);
    let record = this.similar.get(sKey);
    if (!record || now - record.last > this.windowMs) record = { messages: new Set(), last: now };
    record.messages.add(input.message);
    record.last = now;
    this.similar.set(sKey, record);
    if (record.messages.size < this.maxSimilar) return { event: this.build(input, input.message, now), key: eventKey(input) };
    // Keep the set at its bound: one old message goes, so every further new message is combined too.
    record.messages.delete(record.messages.values().next().value as string);
    return { event: this.build(input, COMBINED_PREFIX + input.message, now), key: sKey };
  }

  private observe(event: CoreEvent, key: string): { event: CoreEvent; patch?: RepeatPatch } {
    const last = this.observed.get(key);
    if (!last) {
      this.observed.set(key, { name: event.metadata.name, count: 1, firstTimestamp: event.firstTimestamp });
      return { event };
    }
    const repeat: CoreEvent = { ...event, metadata: { ...event.metadata, name: last.name }, firstTimestamp: last.firstTimestamp, count: last.count + 1 };
    this.observed.set(key, { name: last.name, count: repeat.count, firstTimestamp: last.firstTimestamp });
    return { event: repeat, patch: { count: repeat.count, lastTimestamp: repeat.lastTimestamp, message: repeat.message } };
  }

  private allow(input: EventInput, now: number): boolean {
    const key = spamKey(input);
    const b = this.buckets.get(key) ?? { tokens: this.spamBurst, last: now };
    b.tokens = Math.min(this.spamBurst, b.tokens + (now - b.last) / this.spamRefillMs);
    b.last = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }

  private build(input: EventInput, message: string, now: number): CoreEvent {
    const stamp = rfc3339(now);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(input.involvedObject.name, this.nanos()), namespace: input.namespace },
      involvedObject: { ...input.involvedObject },
      reason: input.reason,
      message,
      source: { ...input.source },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
      type: input.type,
      reportingComponent: input.reportingComponent,
      reportingInstance: input.reportingInstance,
    };
  }
}
