import { isUtf8 } from 'node:buffer';
import { Composer, CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, type Document, type YAMLError } from 'yaml';
import { runSteps, type Steps } from '../lib/steps.js';

/**
 * Bytes → plain JS documents, refusing every input that could hurt the supervisor: oversize
 * content, binary or invalid UTF-8, duplicate keys (which the API server's strict decoder also
 * refuses), alias-expansion bombs, cyclic aliases, and inputs whose parse would cost more than
 * a manifest can need. JSON is read as YAML (a superset), so both formats get the same checks
 * and the same error positions.
 *
 * The cost is linear in the input and bounded by the limits below, which a first pass over
 * yaml's lexer checks before any parse tree is built: the parser and composer cost several
 * microseconds and a few hundred bytes per node, and the composer recurses per nesting level.
 * The work yields at safe points (see lib/steps.ts), so the supervisor can run it in slices.
 */

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface DecodeLimits {
  /** Documents in one stream: a node runs at most a few hundred pods (maxPods is 110). */
  documents: number;
  /** Scalars, aliases and collections in the whole stream. */
  nodes: number;
  /**
   * Nodes in one document: the composer builds a document in one step, which cannot give the
   * event loop back, so this bounds the longest pause (about 3 µs per node, measured).
   */
  documentNodes: number;
  /** Collection nesting, block and flow together; real manifests stay below 20. */
  depth: number;
  /**
   * Bytes of one scalar's source. execve refuses any argument or environment string over
   * 128 KiB and annotations are capped at 256 KiB in total, so nothing longer can be useful;
   * a double-quoted megabyte costs the composer about 0.2 s in one step.
   */
  scalarBytes: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  documents: 500,
  nodes: 100_000,
  documentNodes: 20_000,
  depth: 100,
  scalarBytes: 256 * 1024,
});

/** Aliases are legitimate in hand-written YAML, but only a handful of them. */
const MAX_ALIASES = 100;

export interface DecodeOptions {
  maxBytes?: number;
  limits?: Partial<DecodeLimits>;
}

export interface DecodeProblem {
  /** 0-based YAML document index, when the stream holds several documents. */
  document?: number;
  message: string;
}

export type DecodeResult =
  | { ok: true; documents: unknown[]; multiDocument: boolean }
  | { ok: false; problems: DecodeProblem[] };

/** Tokens between two safe points: a few hundred microseconds of lexing. */
const TOKENS_PER_STEP = 512;

export function decodeDocuments(bytes: Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  return runSteps(decodeSteps(bytes, opts));
}

/** decodeDocuments as resumable work: yields at safe points, returns the result. */
export function* decodeSteps(bytes: Uint8Array, opts: DecodeOptions = {}): Steps<DecodeResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  const limits: DecodeLimits = { ...DEFAULT_DECODE_LIMITS, ...opts.limits };
  if (bytes.byteLength > maxBytes) {
    return fail(`content is ${bytes.byteLength} bytes, over the limit of ${maxBytes} bytes`);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) return fail(`binary content (NUL byte at offset ${nul}); manifests must be YAML or JSON text`);
  if (!isUtf8(bytes)) return fail(`not valid UTF-8 (at byte offset ${firstInvalidUtf8(bytes)})`);
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const refused = yield* census(text, limits);
  if (refused !== undefined) return fail(refused);

  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  // YAML 1.1 scalars (yes/no/on/off, 0755) because that is what the Kubernetes decoder reads.
  // uniqueKeys is checked below: yaml compares each key with every earlier one (quadratic; a
  // 200,000-key mapping took five minutes).
  const composer = new Composer({ version: '1.1', uniqueKeys: false, strict: true });
  const problems: DecodeProblem[] = [];
  const documents: unknown[] = [];
  let index = 0;
  const take = (doc: Document.Parsed): void => {
    const where = { document: index++ };
    const found = documentProblems(doc, lines);
    if (found.length > 0) {
      for (const message of found) problems.push({ ...where, message });
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
  };
  const composed: Document.Parsed[] = [];
  try {
    lines.addNewLine(0);
    let n = 0;
    for (const token of new Lexer().lex(text)) {
      for (const cst of parser.next(token)) for (const doc of composer.next(cst)) composed.push(doc);
      for (const doc of composed.splice(0)) {
        take(doc);
        yield;
      }
      if (++n % TOKENS_PER_STEP === 0) yield;
    }
    for (const cst of parser.end()) for (const doc of composer.next(cst)) composed.push(doc);
    for (const doc of composer.end()) composed.push(doc);
    for (const doc of composed.splice(0)) take(doc);
  } catch (err) {
    return fail(`cannot parse: ${errorMessage(err)}`);
  }
  // Document indexes are only shown for streams of several documents.
  const multiDocument = index > 1;
  if (!multiDocument) for (const p of problems) delete p.document;
  if (problems.length > 0) return { ok: false, problems };
  if (documents.length === 0) return fail('contains no documents');
  return { ok: true, documents, multiDocument };
}

function fail(message: string): DecodeResult {
  return { ok: false, problems: [{ message }] };
}

/**
 * Parse errors, duplicate keys and aliases to one of their own ancestors, from one walk over
 * the document's nodes. The walk keeps its own stack: the census bounded the depth, but a walk
 * must not lean on that. Aliases are not followed, so shared anchors cost nothing here.
 */
function documentProblems(doc: Document.Parsed, lines: LineCounter): string[] {
  const out: string[] = [];
  for (const e of doc.errors) out.push(yamlErrorMessage(e, lines));
  if (out.length > 0) return out;
  // An anchor is "open" while the walk is inside its node: an alias to it is a cycle, which
  // JSON cannot hold and which Kubernetes' decoder refuses too.
  const open = new Map<string, number>();
  type Item = { node: unknown } | { close: string };
  const stack: Item[] = [{ node: doc.contents }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('close' in item) {
      const n = open.get(item.close)! - 1;
      if (n === 0) open.delete(item.close);
      else open.set(item.close, n);
      continue;
    }
    const node = item.node;
    if (isAlias(node)) {
      if (open.has(node.source)) out.push(`YAML alias *${excerpt(node.source)} is inside its own anchor (a cyclic structure)${at(lines, node.range?.[0])}`);
      continue;
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node)) continue;
    const anchor = node.anchor;
    if (anchor !== undefined && !isScalar(node)) {
      open.set(anchor, (open.get(anchor) ?? 0) + 1);
      stack.push({ close: anchor });
    }
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        stack.push({ node: pair.value }, { node: pair.key });
      }
      for (const pair of node.items) {
        // yaml's own check: scalar keys compare by value, other keys only by identity.
        if (!isScalar(pair.key)) continue;
        if (keys.has(pair.key.value)) out.push(`duplicate key${at(lines, pair.key.range?.[0])}`);
        keys.add(pair.key.value);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const v = node.items[i];
        // A flow sequence holds single-pair maps (`[a: 1]`) as pairs.
        if (isPair(v)) stack.push({ node: v.value }, { node: v.key });
        else stack.push({ node: v });
      }
    }
  }
  return out;
}

function at(lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return '';
  const pos = lines.linePos(offset);
  return ` at line ${pos.line}, column ${pos.col}`;
}

function yamlErrorMessage(e: YAMLError, lines: LineCounter): string {
  const first = e.message.split('\n', 1)[0] ?? e.message;
  if (e.code === 'RESOURCE_EXHAUSTION') return `nesting too deep for the YAML parser${at(lines, e.pos[0]) || ' (somewhere)'}`;
  return `cannot parse YAML: ${excerpt(first.replace(/:$/, ''))}${at(lines, e.pos[0])}`;
}

function aliasMessage(err: unknown): string {
  const msg = errorMessage(err);
  if (/alias/i.test(msg)) return `too many YAML alias expansions (limit ${MAX_ALIASES}); refusing a possible alias bomb`;
  return `cannot parse YAML: ${excerpt(msg)}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Library messages can quote the input; a few dozen characters of it say enough. */
function excerpt(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

const BLOCK_MAP = 0;
const BLOCK_SEQ = 1;

/**
 * One pass over yaml's lexer (iterative, about a fifth of the parse cost) that counts documents
 * and nodes, measures nesting and scalar sizes, and stops at the first limit passed. Nothing is
 * built: the tokens are thrown away as they come.
 *
 * Block nesting is read from indentation, the way the parser does: a `-` or a `key:` opens a
 * collection at its column unless one of the same kind is already open there, and closes every
 * collection to its right. A sequence may sit at its parent mapping's column (`key:\n- a`).
 * The count may exceed the true depth by a level in odd layouts, which the margin of the
 * limit absorbs.
 */
function* census(text: string, limits: DecodeLimits): Steps<string | undefined> {
  let documents = 0;
  let inDocument = false;
  let nodes = 0;
  let documentNodes = 0;
  let flow = 0;
  // Open block collections: their columns and kinds, innermost last.
  const cols: number[] = [];
  const kinds: number[] = [];
  let col = 0;
  /** Column where the current key or item content started on this line; -1 before any. */
  let keyCol = -1;
  let scalarNext = false;
  let n = 0;
  const tooDeep = (): string => `nesting deeper than ${limits.depth} levels (the limit)`;
  const openBlock = (c: number, kind: number): string | undefined => {
    let top = cols.length - 1;
    // A mapping key closes a sequence that sat at its own column (`a:\n- x\nb: 1`).
    while (top >= 0 && (cols[top]! > c || (cols[top] === c && kind === BLOCK_MAP && kinds[top] === BLOCK_SEQ))) top--;
    cols.length = kinds.length = top + 1;
    if (top >= 0 && cols[top] === c && kinds[top] === kind) return undefined;
    cols.push(c);
    kinds.push(kind);
    return count(1) ?? (cols.length + flow > limits.depth ? tooDeep() : undefined);
  };
  const count = (k: number): string | undefined => {
    nodes += k;
    documentNodes += k;
    if (nodes > limits.nodes) return `more than ${limits.nodes} YAML nodes (the limit per file)`;
    if (documentNodes > limits.documentNodes) return `more than ${limits.documentNodes} YAML nodes in document ${documents - 1} (the limit per document)`;
    return undefined;
  };
  const startDocument = (): string | undefined => {
    documents++;
    inDocument = true;
    documentNodes = 0;
    flow = 0;
    cols.length = kinds.length = 0;
    return documents > limits.documents ? `more than ${limits.documents} YAML documents (the limit per file)` : undefined;
  };
  for (const token of new Lexer().lex(text)) {
    if (++n % TOKENS_PER_STEP === 0) yield;
    let refused: string | undefined;
    if (scalarNext) {
      // The source of the scalar announced by the marker before it.
      scalarNext = false;
      if (token.length > limits.scalarBytes) refused = scalarMessage(token.length, limits);
    } else {
      const type = CST.tokenType(token);
      switch (type) {
        case 'doc-start':
          refused = startDocument();
          break;
        case 'doc-end':
          inDocument = false;
          break;
        case 'newline':
          keyCol = -1;
          break;
        case 'byte-order-mark':
        case 'doc-mode':
        case 'flow-error-end':
        case 'space':
        case 'comment':
        case 'directive-line':
        case 'comma':
        case 'flow-seq-end':
        case 'flow-map-end':
          if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
          break;
        default: {
          // Content: it starts a document if none is open (a stream need not begin with ---).
          if (!inDocument) refused = startDocument();
          if (refused !== undefined) break;
          if (keyCol === -1 && type !== 'seq-item-ind' && type !== 'explicit-key-ind' && type !== 'map-value-ind') keyCol = col;
          if (type === 'scalar') {
            scalarNext = true;
            refused = count(1);
          } else if (type === 'single-quoted-scalar' || type === 'double-quoted-scalar') {
            refused = token.length > limits.scalarBytes ? scalarMessage(token.length, limits) : count(1);
          } else if (type === 'alias') {
            refused = count(1);
          } else if (type === 'flow-seq-start' || type === 'flow-map-start') {
            flow++;
            refused = count(1) ?? (cols.length + flow > limits.depth ? tooDeep() : undefined);
          } else if (flow === 0 && type === 'seq-item-ind') {
            refused = openBlock(col, BLOCK_SEQ);
            keyCol = -1;
          } else if (flow === 0 && type === 'explicit-key-ind') {
            refused = openBlock(col, BLOCK_MAP);
            keyCol = -1;
          } else if (flow === 0 && type === 'map-value-ind') {
            refused = openBlock(keyCol === -1 ? col : keyCol, BLOCK_MAP);
            keyCol = -1;
          }
        }
      }
    }
    if (refused !== undefined) return refused;
    // Columns advance by the token's width; markers (control characters) take none.
    const nl = token.lastIndexOf('\n');
    if (nl !== -1) col = token.length - nl - 1;
    else if (token.length !== 1 || token.charCodeAt(0) >= 0x20) col += token.length;
  }
  return undefined;
}

function scalarMessage(bytes: number, limits: DecodeLimits): string {
  return `a scalar of ${bytes} characters, over the limit of ${limits.scalarBytes} per scalar`;
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
