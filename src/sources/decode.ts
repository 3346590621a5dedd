import { isUtf8 } from 'node:buffer';
import { CST, Lexer, parseAllDocuments, YAMLError } from 'yaml';

/**
 * Bytes → plain JS documents, refusing every input that could hurt the supervisor: oversize
 * content, binary or invalid UTF-8, duplicate keys (which the API server's strict decoder also
 * refuses), alias-expansion bombs and pathological nesting. JSON is read as YAML (a superset),
 * so both formats get the same checks and the same error positions.
 */

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Aliases are legitimate in hand-written YAML, but only a handful of them. */
const MAX_ALIASES = 100;
/** Deeper than any real manifest, and far below where the YAML composer exhausts the stack. */
const MAX_NESTING = 256;

export interface DecodeOptions {
  maxBytes?: number;
}

export interface DecodeProblem {
  /** 0-based YAML document index, when the stream holds several documents. */
  document?: number;
  message: string;
}

export type DecodeResult =
  | { ok: true; documents: unknown[]; multiDocument: boolean }
  | { ok: false; problems: DecodeProblem[] };

export function decodeDocuments(bytes: Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  if (bytes.byteLength > maxBytes) {
    return fail(`content is ${bytes.byteLength} bytes, over the limit of ${maxBytes} bytes`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) return fail(`binary content (NUL byte at offset ${nul}); manifests must be YAML or JSON text`);
  if (!isUtf8(bytes)) return fail(`not valid UTF-8 (at byte offset ${firstInvalidUtf8(bytes)})`);
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Depth can only exceed the limit if there are that many openers at all; real manifests have
  // few, so the lexer pass (a fifth of the parse cost) is rarely needed.
  if (countOpeners(text, MAX_NESTING + 1) > MAX_NESTING && maxFlowDepth(text) > MAX_NESTING) {
    return fail(`nesting deeper than ${MAX_NESTING} levels`);
  }

  let parsed;
  try {
    // YAML 1.1 scalars (yes/no/on/off, 0755) because that is what the Kubernetes decoder reads.
    parsed = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true, strict: true });
  } catch (err) {
    return fail(`cannot parse: ${errorMessage(err)}`);
  }
  if (!Array.isArray(parsed)) {
    // parseAllDocuments returns an EmptyStream for input with no documents at all.
    return fail('contains no documents');
  }
  const multiDocument = parsed.length > 1;
  const problems: DecodeProblem[] = [];
  const documents: unknown[] = [];
  parsed.forEach((doc, index) => {
    const where = multiDocument ? { document: index } : {};
    const errors = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'DUPLICATE_KEY')];
    if (errors.length > 0) {
      for (const e of errors) problems.push({ ...where, message: yamlErrorMessage(e) });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      problems.push({ ...where, message: aliasMessage(err) });
      return;
    }
    // A stray `---` at the end of a stream is an empty document, not an error.
    if (value === null || value === undefined) return;
    documents.push(value);
  });
  if (problems.length > 0) return { ok: false, problems };
  if (documents.length === 0) return fail('contains no documents');
  return { ok: true, documents, multiDocument };
}

function fail(message: string): DecodeResult {
  return { ok: false, problems: [{ message }] };
}

function yamlErrorMessage(e: YAMLError): string {
  const firstLine = e.message.split('\n')[0] ?? e.message;
  if (e.code === 'DUPLICATE_KEY') {
    const pos = e.linePos?.[0];
    return `duplicate key${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}`;
  }
  if (e.code === 'RESOURCE_EXHAUSTION') return `nesting too deep for the YAML parser (${e.linePos ? `line ${e.linePos[0].line}` : 'somewhere'})`;
  return `cannot parse YAML: ${firstLine.replace(/:$/, '')}`;
}

function aliasMessage(err: unknown): string {
  const msg = errorMessage(err);
  if (/alias/i.test(msg)) return `too many YAML alias expansions (limit ${MAX_ALIASES}); refusing a possible alias bomb`;
  return `cannot parse YAML: ${msg}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Flow-collection depth from yaml's lexer, which is iterative: the composer recurses per level
 * and a few thousand `[` abort the whole process from inside V8, which no try/catch can stop.
 */
function maxFlowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++depth > max) max = depth;
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') {
      depth--;
    }
  }
  return max;
}

function countOpeners(text: string, stopAt: number): number {
  let n = 0;
  for (let i = 0; i < text.length && n < stopAt; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) n++;
  }
  return n;
}

/** Offset of the first byte that breaks UTF-8, so the user can find it with a hex editor. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    if (len > 1 && !isUtf8(bytes.subarray(i, i + len))) return i;
    i += len;
  }
  return i;
}
