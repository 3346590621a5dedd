/**
 * Reads one HTTP/1.x response from raw socket bytes: the status, the Location header and at
 * most `limit` bytes of body. A probe needs nothing more, and node:http's general-purpose
 * client (request and response streams, header objects, agent bookkeeping) costs several times
 * the CPU of the probe itself when a node runs hundreds of probes a second.
 *
 * Parsing is as lenient as Go's client: bare-LF line ends are accepted (busybox httpd's CGI
 * answers use them) and header names are case-insensitive.
 */

/** Go's client refuses response headers beyond this much; so do we, to bound memory. */
export const MAX_HEADER_BYTES = 1 << 20;

type BodyMode = 'none' | 'length' | 'chunked' | 'close';
type ChunkStep = 'size' | 'data' | 'data-end';

export class ResponseReader {
  status = 0;
  location: string | undefined;
  /** True once the status line and headers are in. */
  headersDone = false;
  /** True once the body is complete or the limit is reached: the caller may close. */
  done = false;
  private head: Buffer = Buffer.alloc(0);
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private mode: BodyMode = 'none';
  /** Bytes left in the body (length mode) or in the current chunk (chunked mode). */
  private remaining = 0;
  private step: ChunkStep = 'size';
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly limit: number) {}

  get body(): string {
    return Buffer.concat(this.chunks).subarray(0, this.limit).toString('utf8');
  }

  /** Feeds received bytes; returns an error text when the response is malformed. */
  push(data: Buffer): string | undefined {
    if (this.done) return undefined;
    if (!this.headersDone) {
      this.head = this.head.length === 0 ? data : Buffer.concat([this.head, data]);
      for (;;) {
        const end = headEnd(this.head);
        if (!end) {
          return this.head.length > MAX_HEADER_BYTES ? `net/http: server response headers exceeded ${MAX_HEADER_BYTES} bytes; aborted` : undefined;
        }
        const err = this.parseHead(this.head.subarray(0, end.at).toString('latin1'));
        if (err) return err;
        data = this.head.subarray(end.next);
        this.head = data;
        if (this.headersDone) break;
        // An interim 1xx answer: the real one follows.
      }
      this.head = Buffer.alloc(0);
    }
    return this.body_(data);
  }

  /** The peer closed: a close-delimited body ends here; anything else is cut short. */
  end(): void {
    if (this.headersDone && this.mode === 'close') this.done = true;
  }

  private parseHead(text: string): string | undefined {
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) return `malformed HTTP response ${JSON.stringify(lines[0] ?? '')}`;
    const status = Number(m[1]);
    let length: number | undefined;
    let chunked = false;
    let location: string | undefined;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) return `bad Content-Length ${JSON.stringify(value)}`;
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = /(^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'location' && location === undefined) {
        location = value;
      }
    }
    if (status >= 100 && status < 200 && status !== 101) return undefined;
    this.status = status;
    this.location = location;
    this.headersDone = true;
    if (status === 204 || status === 304) this.mode = 'none';
    else if (chunked) this.mode = 'chunked';
    else if (length !== undefined) {
      this.mode = 'length';
      this.remaining = length;
    } else this.mode = 'close';
    if (this.mode === 'none' || (this.mode === 'length' && length === 0)) this.done = true;
    return undefined;
  }

  private body_(data: Buffer): string | undefined {
    if (this.done || data.length === 0) return undefined;
    switch (this.mode) {
      case 'length': {
        const take = data.subarray(0, this.remaining);
        this.remaining -= take.length;
        this.keep(take);
        if (this.remaining === 0) this.done = true;
        return undefined;
      }
      case 'close':
        this.keep(data);
        return undefined;
      case 'chunked':
        return this.chunked(data);
      default:
        return undefined;
    }
  }

  private chunked(data: Buffer): string | undefined {
    let buf = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    this.pending = Buffer.alloc(0);
    while (buf.length > 0 && !this.done) {
      if (this.step === 'data') {
        const take = buf.subarray(0, this.remaining);
        this.remaining -= take.length;
        this.keep(take);
        buf = buf.subarray(take.length);
        if (this.remaining === 0) this.step = 'data-end';
        continue;
      }
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (buf.length > 4096) return 'malformed chunked encoding';
        this.pending = buf;
        return undefined;
      }
      const line = buf.subarray(0, nl).toString('latin1').replace(/\r$/, '');
      buf = buf.subarray(nl + 1);
      if (this.step === 'data-end') {
        if (line !== '') return 'malformed chunked encoding';
        this.step = 'size';
        continue;
      }
      const size = parseInt(line.split(';')[0]!.trim(), 16);
      if (!Number.isFinite(size) || size < 0) return 'malformed chunked encoding';
      // The last chunk: trailers may follow, but nothing in them matters to a probe.
      if (size === 0) this.done = true;
      else {
        this.remaining = size;
        this.step = 'data';
      }
    }
    return undefined;
  }

  private keep(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
    if (this.size >= this.limit) this.done = true;
  }
}

/** Where the header block ends (at the blank line, "\n\n" or "\n\r\n") and the body starts. */
function headEnd(b: Buffer): { at: number; next: number } | undefined {
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) {
    if (b[i + 1] === 0x0a) return { at: i, next: i + 2 };
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return { at: i, next: i + 3 };
  }
  return undefined;
}
