import type { OutgoingHttpHeaders } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HTTPGetAction, HTTPHeader } from '../../api/generated/core-v1.js';
import type { ProbeHandler, ProbeResult, ProbeTarget } from '../types.js';
import { hostHeaderValue, urlHostError } from './http-host.js';
import { ResponseReader } from './http-response.js';
import { connErrorText, dialErrorText, failure, joinHostPort, PROBE_OUTPUT_LIMIT, PROBE_USER_AGENT, resolvePort, success } from './common.js';

/** Where one GET goes. `host` is bare (no IPv6 brackets), `path` includes the query. */
interface Target {
  tls: boolean;
  host: string;
  port: number;
  path: string;
}

interface Reply {
  status: number;
  location: string | undefined;
  /** At most PROBE_OUTPUT_LIMIT bytes; the rest is never read. */
  body: string;
}

/** Go's client gives up on the 10th redirect response in a chain; the kubelet keeps that limit. */
const MAX_REDIRECTS = 10;
/** The statuses Go's client follows (with a Location); any other 3xx is the final answer. */
const FOLLOWED = new Set([301, 302, 303, 307, 308]);

/**
 * GET from the node to the pod. Success is decided by the status alone; redirects are followed
 * only to the same host name, and a redirect elsewhere is a warning, as in the kubelet.
 */
export const httpProbe: ProbeHandler = async (probe, target, timeoutMs) => {
  const action = probe.httpGet;
  if (!action) return failure('probe has no httpGet action');
  const first = firstRequest(action, target);
  if (typeof first === 'string') return failure(first);
  return follow(first, Date.now() + timeoutMs);
};

/** The first request of a probe, with its bytes: the same every period for the same pod IP. */
interface FirstRequest {
  podIP: string;
  target: Target;
  headers: OutgoingHttpHeaders;
  bytes: Buffer | string;
}

/** Keyed by the probe's action, which belongs to one container spec (named ports included). */
const prepared = new WeakMap<HTTPGetAction, FirstRequest>();

function firstRequest(action: HTTPGetAction, target: ProbeTarget): FirstRequest | string {
  const known = prepared.get(action);
  if (known && known.podIP === target.podIP) return known;
  const port = resolvePort(action.port, target.container);
  if (typeof port === 'string') return port;
  const t: Target = { tls: action.scheme === 'HTTPS', host: action.host || target.podIP, port, path: requestPath(action.path) };
  // The kubelet builds its URL from the manifest's host: what a URL cannot hold fails there.
  const bad = urlHostError(t.host, t.port, t.tls, t.path);
  if (bad !== undefined) return bad;
  const headers = probeHeaders(action.httpHeaders ?? []);
  const r: FirstRequest = { podIP: target.podIP, target: t, headers, bytes: requestBytes(t, headers) };
  prepared.set(action, r);
  return r;
}

async function follow(first: FirstRequest, deadline: number): Promise<ProbeResult> {
  let t = first.target;
  let headers = first.headers;
  for (let requests = 1; ; requests++) {
    const r = await get(t, t === first.target ? first.bytes : requestBytes(t, headers), deadline - Date.now());
    if (typeof r === 'string') return failure(r);
    const loc = FOLLOWED.has(r.status) ? r.location : undefined;
    if (!loc) return verdict(r);
    const next = redirectTarget(t, loc);
    if (typeof next === 'string') return failure(next);
    if (next.host.toLowerCase() !== first.target.host.toLowerCase()) return verdict(r);
    if (requests >= MAX_REDIRECTS) return failure(`Get "${loc}": stopped after ${MAX_REDIRECTS} redirects`);
    // As Go does: a custom Host survives only a relative redirect; an absolute one names its host.
    if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) headers = withoutHost(headers);
    t = next;
  }
}

function verdict(r: Reply): ProbeResult {
  if (r.status >= 200 && r.status < 300) return success(r.body);
  if (r.status >= 300 && r.status < 400) return { outcome: 'warning', message: `Probe terminated redirects, Response body: ${r.body}` };
  // The body stays out of the message: it may hold anything, and events are widely readable.
  return failure(`HTTP probe failed with statuscode: ${r.status}`);
}

function display(t: Target): string {
  return `${t.tls ? 'https' : 'http'}://${joinHostPort(t.host, t.port)}${t.path}`;
}

/** Go escapes what a request line cannot carry; Node would reject it instead. */
function requestPath(path: string | undefined): string {
  const p = !path ? '/' : path.startsWith('/') ? path : `/${path}`;
  return p.replace(/[^\x21-\x7e]+/gu, (s) => {
    try {
      return encodeURI(s);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as Go's UTF-8 handling would produce
    }
  });
}

function redirectTarget(from: Target, loc: string): Target | string {
  let u: URL;
  try {
    u = new URL(loc, display(from));
  } catch {
    return `Get "${display(from)}": failed to parse Location header ${JSON.stringify(loc)}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `Get "${loc}": unsupported protocol scheme "${u.protocol.slice(0, -1)}"`;
  const tls = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return { tls, host, port: u.port ? Number(u.port) : tls ? 443 : 80, path: u.pathname + u.search };
}

/** User headers (repeatable), then the kubelet's defaults for what the user left out. */
function probeHeaders(list: HTTPHeader[]): OutgoingHttpHeaders {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const h of list) {
    const key = h.name.toLowerCase();
    const e = byName.get(key) ?? { name: h.name, values: [] };
    e.values.push(h.value);
    byName.set(key, e);
  }
  // Go sends only the first User-Agent and Host; an empty one means no User-Agent / the URL's host.
  const single = (name: string, fallback?: string): void => {
    const key = name.toLowerCase();
    const e = byName.get(key);
    const v = e ? e.values[0] : fallback;
    byName.delete(key);
    if (v) byName.set(key, { name: e?.name ?? name, values: [v] });
  };
  single('User-Agent', PROBE_USER_AGENT);
  single('Host');
  // Accept keeps all its values, but the kubelet drops it when the (first) value is empty.
  if (!byName.has('accept')) byName.set('accept', { name: 'Accept', values: ['*/*'] });
  else if (!byName.get('accept')?.values[0]) byName.delete('accept');
  // Keep-alive off: a probe must not leave sockets open in the pod between periods.
  byName.set('connection', { name: 'Connection', values: ['close'] });
  const out: OutgoingHttpHeaders = {};
  for (const { name, values } of byName.values()) out[name] = values.length === 1 ? values[0] : values;
  return out;
}

function withoutHost(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'host'));
}

/** One GET; resolves with the reply, or with the failure text. `timeoutMs` covers connect, headers and body. */
function get(t: Target, request: Buffer | string, timeoutMs: number): Promise<Reply | string> {
  // Only failures name the URL: build it then, not for every successful probe.
  const url = (): string => display(t);
  if (typeof request === 'string') return Promise.resolve(`Get "${url()}": ${request}`);
  return new Promise((resolve) => {
    let socket: Socket;
    let connected = false;
    let settled = false;
    const reader = new ResponseReader(PROBE_OUTPUT_LIMIT);
    const done = (r: Reply | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A late error from the closed socket must not become an uncaught 'error' event.
      socket.on('error', () => {});
      socket.destroy();
      resolve(r);
    };
    const reply = (): Reply => ({ status: reader.status, location: reader.location, body: reader.body });
    const timer = setTimeout(
      () => done(`Get "${url()}": context deadline exceeded (Client.Timeout exceeded while ${reader.headersDone ? 'reading body' : 'awaiting headers'})`),
      Math.max(0, timeoutMs),
    );
    try {
      socket = t.tls
        ? tlsConnect({ host: t.host, port: t.port, rejectUnauthorized: false, ...(isIP(t.host) ? {} : { servername: t.host }) })
        : netConnect({ host: t.host, port: t.port });
    } catch (err) {
      clearTimeout(timer);
      return resolve(`Get "${url()}": ${dialErrorText(err, t.host, t.port)}`);
    }
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk: Buffer) => {
      const err = reader.push(chunk);
      if (err) done(`Get "${url()}": ${err}`);
      else if (reader.done) done(reply());
    });
    socket.on('end', () => {
      reader.end();
      done(reader.done ? reply() : `Get "${url()}": ${reader.headersDone ? 'unexpected EOF' : 'EOF'}`);
    });
    socket.on('error', (err) => done(`Get "${url()}": ${connected ? connErrorText(err) : dialErrorText(err, t.host, t.port)}`));
    socket.write(request);
  });
}

/** Header names are tokens (httpguts.ValidHeaderFieldName); Go refuses to send anything else. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * httpguts.ValidHeaderFieldValue on the UTF-8 bytes Go sends: no control byte but HT. Checked
 * on the bytes, not the characters, so no character can turn into CR or LF on the way out.
 */
function validValue(v: string): boolean {
  for (const b of Buffer.from(v, 'utf8')) if ((b < 0x20 && b !== 0x09) || b === 0x7f) return false;
  return true;
}

/**
 * The request as bytes, UTF-8 as Go writes strings. Host defaults to the target, with the port
 * unless it is the scheme's.
 */
function requestBytes(t: Target, headers: OutgoingHttpHeaders): Buffer | string {
  const lines = [`GET ${t.path} HTTP/1.1`];
  let host: string | undefined;
  const rest: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (!TOKEN.test(name)) return `net/http: invalid header field name ${JSON.stringify(name)}`;
    for (const v of Array.isArray(value) ? value : [String(value)]) {
      if (!validValue(v)) return `net/http: invalid header field value for ${JSON.stringify(name)}`;
      if (name.toLowerCase() === 'host') host ??= v;
      else rest.push(`${name}: ${v}`);
    }
  }
  const defaultPort = t.tls ? 443 : 80;
  const bare = t.host.includes(':') ? `[${t.host}]` : t.host;
  const hostLine = hostHeaderValue(host ?? (t.port === defaultPort ? bare : `${bare}:${t.port}`));
  if (typeof hostLine !== 'string') return hostLine.error;
  lines.push(`Host: ${hostLine}`, ...rest, '', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
