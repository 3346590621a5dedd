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

// RFC 3492 parameters.
const BASE = 36;
const TMIN = 1;
const TMAX = 26;
const SKEW = 38;
const DAMP = 700;
const MAX_INT32 = 0x7fffffff;

/**
 * idna.ToASCII as Go's PunycodeHostPort calls it (the bare Punycode profile): each label with
 * a non-ASCII character becomes "xn--" and its RFC 3492 encoding, with no case mapping or
 * other IDNA processing, as in Go. Unlike Go, labels already in "xn--" form are not decoded to
 * be checked: they are ASCII, so they cannot break the line either way.
 */
function toPunycode(host: string): string | { error: string } {
  const labels = host.split('.');
  for (const [i, label] of labels.entries()) {
    if (!/[^\x00-\x7f]/.test(label)) continue;
    const encoded = encodeLabel(label);
    if (encoded === undefined) return { error: `idna: invalid label ${JSON.stringify(label)}` };
    labels[i] = `xn--${encoded}`;
  }
  return labels.join('.');
}

function encodeLabel(label: string): string | undefined {
  // A lone surrogate is what Go's decoders turn into U+FFFD.
  const cps = [...label].map((c) => {
    const cp = c.codePointAt(0)!;
    return cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp;
  });
  let out = cps
    .filter((cp) => cp < 0x80)
    .map((cp) => String.fromCharCode(cp))
    .join('');
  const basic = out.length;
  let handled = basic;
  if (basic > 0) out += '-';
  let n = 0x80;
  let delta = 0;
  let bias = 72;
  while (handled < cps.length) {
    let m = MAX_INT32;
    for (const cp of cps) if (cp >= n && cp < m) m = cp;
    delta += (m - n) * (handled + 1);
    if (delta > MAX_INT32) return undefined;
    n = m;
    for (const cp of cps) {
      if (cp < n && ++delta > MAX_INT32) return undefined;
      if (cp !== n) continue;
      let q = delta;
      for (let k = BASE; ; k += BASE) {
        const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
        if (q < t) break;
        out += digit(t + ((q - t) % (BASE - t)));
        q = Math.floor((q - t) / (BASE - t));
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled === basic);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return out;
}

function digit(d: number): string {
  return String.fromCharCode(d < 26 ? 0x61 + d : 0x30 + d - 26);
}

function adapt(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / DAMP) : Math.floor(delta / 2);
  d += Math.floor(d / points);
  let k = 0;
  while (d > ((BASE - TMIN) * TMAX) / 2) {
    d = Math.floor(d / (BASE - TMIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - TMIN + 1) * d) / (d + SKEW));
}
