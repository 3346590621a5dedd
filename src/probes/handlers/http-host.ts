import { domainToASCII } from 'node:url';

/**
 * The host parts of a probe request, checked and encoded as Go's net/http and net/url do, so
 * that whatever the manifest holds, the request line and the Host line stay one line each.
 */

/** What Go's url.Parse lets through unescaped in a host (letters and digits aside). */
const URL_HOST_ASCII = new Set("-._~!$&'()*+,;=:[]<>\"");

/**
 * Go's error for a probe host its URL cannot carry, undefined when it can. The kubelet prints
 * the URL with the host escaped and parses it back; an escaped ASCII byte (other than '%') is
 * refused there, so the first such byte names the error.
 */
export function urlHostError(host: string, port: number, tls: boolean, path: string): string | undefined {
  const bytes = Buffer.from(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, 'utf8');
  const bad = bytes.find((b) => b < 0x80 && b !== 0x25 && !urlHostByte(b));
  if (bad === undefined) return undefined;
  const escaped = [...bytes].map((b) => (urlHostByte(b) ? String.fromCharCode(b) : hex(b))).join('');
  return `parse "${tls ? 'https' : 'http'}://${escaped}${path}": invalid URL escape "${hex(bad)}"`;
}

/** A byte Go's URL printing leaves as it is in a host ('%' is printed escaped, as %25). */
function urlHostByte(b: number): boolean {
  return b < 0x80 && (/[A-Za-z0-9]/.test(String.fromCharCode(b)) || URL_HOST_ASCII.has(String.fromCharCode(b)));
}

function hex(b: number): string {
  return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** httpguts.ValidHostHeader: the bytes any host, IPv6 literal or port can be made of. */
const VALID_HOST = /^[A-Za-z0-9!$%&'()*+,\-.:;=[\]_~]*$/;

/**
 * The Host line's value as Go writes it: a non-ASCII name in Punycode, and an invalid one left
 * empty (Go sends an empty Host rather than an altered one). Returns `{ error }` when the name
 * cannot be put in Punycode. Control bytes are refused before, as any header value's.
 */
export function hostHeaderValue(v: string): string | { error: string } {
  let host = v;
  if (/[^\x00-\x7f]/.test(v)) {
    const [name, port] = splitHostPort(v) ?? [v, ''];
    const ascii = toPunycode(name);
    if (typeof ascii !== 'string') return ascii;
    host = port === '' ? ascii : ascii.includes(':') ? `[${ascii}]:${port}` : `${ascii}:${port}`;
  }
  return VALID_HOST.test(host) ? host : '';
}

/** Go's net.SplitHostPort; undefined where it returns an error. */
function splitHostPort(v: string): [string, string] | undefined {
  const colon = v.lastIndexOf(':');
  if (colon < 0) return undefined;
  let host: string;
  // Where a '[' resp. ']' would be out of place.
  let open = 0;
  let close = 0;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end < 0 || end + 1 !== colon) return undefined;
    host = v.slice(1, end);
    open = 1;
    close = end + 1;
  } else {
    host = v.slice(0, colon);
    if (host.includes(':')) return undefined;
  }
  if (v.includes('[', open) || v.includes(']', close)) return undefined;
  return [host, v.slice(colon + 1)];
}

/**
 * Go's PunycodeHostPort: a name with non-ASCII characters in its IDNA ASCII form, by Node's
 * own WHATWG/UTS 46 implementation (which, unlike Go's bare Punycode profile, also lower-cases
 * and normalizes: the same host either way once DNS compares it).
 */
function toPunycode(host: string): string | { error: string } {
  const ascii = domainToASCII(host);
  return ascii === '' ? { error: `idna: invalid host ${JSON.stringify(host)}` } : ascii;
}
