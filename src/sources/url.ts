import { createHash } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { ManifestSource, SourceBatch, SourceUpdate } from './types.js';

export interface UrlSourceOptions {
  url: string;
  headers: Record<string, string[]>;
  logger: Logger;
  maxBytes: number;
  /** Poll period (kubelet: httpCheckFrequency, 20 s). */
  pollMs: number;
  /** Whole-request deadline, connect to last byte. */
  timeoutMs?: number;
}

/**
 * The kubelet's manifest URL: polled, one document set per response. A failed fetch is reported
 * as an error for the URL; the consumer keeps the pods it last accepted from it. As the
 * kubelet's HTTP source, the URL counts as listed only from its first successful fetch.
 */
export class UrlSource implements ManifestSource {
  readonly kind = 'http' as const;
  readonly name: string;
  private onBatch: ((b: SourceBatch) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  /** A fetch has succeeded once: until then the URL has not listed (see poll()). */
  private fetched = false;
  private inFlight: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;
  /** reread() asked for the next fetched content to be reported even if unchanged. */
  private rereading = false;

  constructor(private readonly opts: UrlSourceOptions) {
    this.name = `http:${opts.url}`;
  }

  async start(onBatch: (batch: SourceBatch) => void): Promise<void> {
    this.onBatch = onBatch;
    await this.resync();
    this.timer = setInterval(() => void this.resync(), this.opts.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.abort.abort();
    await this.inFlight;
  }

  resync(): Promise<void> {
    // One request at a time: a slow server must not pile up polls.
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async reread(): Promise<void> {
    // A poll already running may have read the content before the reason to report it again.
    await this.inFlight;
    this.rereading = true;
    await this.resync();
  }

  private async poll(): Promise<void> {
    const update = await this.fetchOnce();
    if (this.stopped) return;
    const fingerprint = 'content' in update ? createHash('sha256').update(update.content).digest('hex') : `error:${'error' in update ? update.error : ''}`;
    const changed = fingerprint !== this.last || (this.rereading && 'content' in update);
    this.rereading = false;
    if (changed && 'error' in update) this.opts.logger.warn({ url: this.opts.url, err: update.error }, 'manifest URL fetch failed');
    this.last = fingerprint;
    // Until one fetch succeeds the URL has not listed: its error shows, but the pods it may own
    // must not look deleted (a node booting while its config server is down keeps them running).
    if ('content' in update) this.fetched = true;
    this.onBatch?.({ updates: changed ? [update] : [], full: this.fetched });
  }

  private async fetchOnce(): Promise<SourceUpdate> {
    const { url, maxBytes } = this.opts;
    const headers = new Headers();
    for (const [k, values] of Object.entries(this.opts.headers)) for (const v of values) headers.append(k, v);
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)]);
    try {
      const res = await fetch(url, { headers, signal, redirect: 'follow' });
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel();
        return { location: url, error: `GET ${url}: HTTP ${res.status} ${res.statusText}`.trim() };
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > maxBytes) {
        await res.body?.cancel();
        return { location: url, error: `response is ${declared} bytes, over the limit of ${maxBytes} bytes` };
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      if (res.body) {
        for await (const chunk of res.body) {
          total += chunk.byteLength;
          if (total > maxBytes) {
            // Leaving the loop cancels the body, closing the connection.
            return { location: url, error: `response is over the limit of ${maxBytes} bytes` };
          }
          chunks.push(chunk);
        }
      }
      return { location: url, content: Buffer.concat(chunks, total) };
    } catch (err) {
      const e = err as Error & { cause?: Error };
      const reason = e.name === 'TimeoutError' ? `timed out after ${this.opts.timeoutMs ?? 10_000} ms` : (e.cause?.message ?? e.message);
      return { location: url, error: `GET ${url}: ${reason}` };
    }
  }
}
