/**
 * The bounded queue between the recorder and the API server, and its one writer loop.
 *
 * Recording never waits and never fails: an event is queued and the loop sends it. While the
 * API server is away the loop retries the oldest event with a back-off and the queue holds at
 * most `limit` events; beyond that the oldest is dropped and counted, so an outage of any length
 * costs bounded memory and the newest events are the ones that survive it. A repeat of an event
 * still waiting is merged into it (its count and last time taken over), so a crash loop during
 * an outage takes one slot, not one per restart.
 */
import type { Logger } from '../../logging/logger.js';
import { sleep } from '../../pods/hooks.js';
import { Backoff, OnceLogger } from '../backoff.js';
import { errorText, statusCode } from '../client.js';
import type { Correlated } from './correlator.js';
import type { CoreEvent, RepeatPatch } from './types.js';
import type { EventWriter } from './writer.js';

/** client-go's broadcaster queue holds 1000 events; so does this one. */
export const DEFAULT_QUEUE_LIMIT = 1000;

interface Item {
  key: string;
  event: CoreEvent;
  /** A repeat: PATCH this onto the existing Event (the full event re-creates it if the server lost it). */
  patch?: RepeatPatch;
}

export interface SinkStats {
  posts: number;
  patches: number;
  /** Dropped because the queue was full (the oldest go first). */
  dropped: number;
  /** Repeats merged into an event still queued. */
  merged: number;
  /** Refused by the API server (4xx other than a lost Event), not retried. */
  refused: number;
  /** Failed sends that were retried (API server unreachable, 5xx, 429). */
  retries: number;
}

export interface SinkOptions {
  limit?: number;
  /** The outage: logged once when writes start failing and once when they work again. */
  outage: OnceLogger;
  logger: Logger;
  backoff?: Backoff;
}

const transient = (code: number): boolean => code === 0 || code === 429 || code >= 500;

export class EventSink {
  private readonly limit: number;
  private readonly queue: Item[] = [];
  /** Queued (not in flight) items by namespace/name, for merging repeats. */
  private readonly waiting = new Map<string, Item>();
  private wake: (() => void) | undefined;
  private readonly backoff: Backoff;
  /** Kinds of refusal already warned about (status and namespace): each is one warning, not one per event. */
  private readonly refusalsSeen = new Set<string>();
  private droppedSinceLog = 0;
  readonly stats: SinkStats = { posts: 0, patches: 0, dropped: 0, merged: 0, refused: 0, retries: 0 };

  constructor(private readonly o: SinkOptions) {
    this.limit = o.limit ?? DEFAULT_QUEUE_LIMIT;
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError(`EventSink: limit must be a positive integer, got ${this.limit}`);
    // Up to 10 s: after an outage, what was recorded meanwhile is on the server within seconds.
    this.backoff = o.backoff ?? new Backoff(500, 10_000);
  }

  get queued(): number {
    return this.queue.length;
  }

  enqueue(c: Correlated): void {
    if (c.skip) return;
    const key = `${c.event.metadata.namespace}/${c.event.metadata.name}`;
    const waiting = this.waiting.get(key);
    if (waiting) {
      // Still unsent: a create stays a create (with the newer count), a patch takes the newer values.
      waiting.event = c.event;
      if (waiting.patch && c.patch) waiting.patch = c.patch;
      this.stats.merged++;
      return;
    }
    const item: Item = c.patch ? { key, event: c.event, patch: c.patch } : { key, event: c.event };
    this.queue.push(item);
    this.waiting.set(key, item);
    if (this.queue.length > this.limit) {
      const old = this.queue.shift()!;
      this.waiting.delete(old.key);
      this.stats.dropped++;
      if (this.droppedSinceLog++ === 0) this.o.logger.warn({ limit: this.limit }, 'event queue full: dropping the oldest events until the API server takes them again');
    }
    this.wake?.();
  }

  /** Sends until the signal aborts; never throws. */
  async run(writer: EventWriter, signal: AbortSignal): Promise<void> {
    let onAbort = (): void => undefined;
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => {
        this.wake?.();
        resolve(undefined);
      };
    });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const item = this.queue.shift();
        if (!item) {
          await new Promise<void>((r) => (this.wake = r));
          this.wake = undefined;
          continue;
        }
        this.waiting.delete(item.key);
        // Stopping does not wait for a request in flight (its deadline is a minute): the event is lost with the process.
        const failed = await Promise.race([this.send(writer, item), aborted]);
        if (signal.aborted) break;
        if (failed === undefined) {
          this.backoff.reset();
          this.o.outage.ok('events are written to the API server again', { dropped: this.stats.dropped });
          this.droppedSinceLog = 0;
          continue;
        }
        this.stats.retries++;
        this.o.outage.failed('unable to write events to the API server; retrying, recording meanwhile', failed);
        this.requeue(item);
        await sleep(this.backoff.next(), signal);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** undefined when done with the item (sent, or refused for good); the error text to retry. */
  private async send(writer: EventWriter, item: Item): Promise<string | undefined> {
    try {
      if (item.patch) {
        try {
          await writer.patch(item.event.metadata.namespace, item.event.metadata.name, item.patch);
          this.stats.patches++;
          return undefined;
        } catch (err) {
          // The Event expired or was deleted (or its create was dropped here): create it whole.
          if (statusCode(err) !== 404) throw err;
        }
      }
      try {
        await writer.create(item.event);
        this.stats.posts++;
      } catch (err) {
        // Already there (a create that timed out after the server took it): nothing to do.
        if (statusCode(err) !== 409) throw err;
      }
      return undefined;
    } catch (err) {
      const code = statusCode(err);
      if (transient(code)) return errorText(err);
      this.stats.refused++;
      const e = item.event;
      // A namespace the cluster lacks (404) or a policy (403) refuses every event alike: warn once per kind.
      const kind = `${code} ${e.metadata.namespace}`;
      const fields = { reason: e.reason, object: `${e.involvedObject.kind}/${e.metadata.namespace}/${e.involvedObject.name}`, err: errorText(err) };
      if (this.refusalsSeen.has(kind)) {
        this.o.logger.debug(fields, 'the API server refused an event; dropped');
      } else {
        if (this.refusalsSeen.size >= 256) this.refusalsSeen.clear();
        this.refusalsSeen.add(kind);
        this.o.logger.warn(fields, 'the API server refused an event; dropped (further refusals like it are logged at debug)');
      }
      return undefined;
    }
  }

  /** Back at the head; a repeat queued while it was in flight is folded into it. */
  private requeue(item: Item): void {
    const newer = this.waiting.get(item.key);
    if (newer) {
      // A failed create leaves nothing to patch: the newer repeat must create the Event itself.
      if (!item.patch) delete newer.patch;
      return;
    }
    // It is the oldest: with the queue full of newer events, it is the one to go.
    if (this.queue.length >= this.limit) {
      this.stats.dropped++;
      return;
    }
    this.queue.unshift(item);
    this.waiting.set(item.key, item);
  }
}
