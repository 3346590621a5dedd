import { isUtf8 } from 'node:buffer';
import { Composer, CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, type Alias, type Document, type Node, type Scalar, type Tags, type YAMLError } from 'yaml';
import { runSteps, type Steps } from '../lib/steps.js';

/**
 * Bytes → plain JSON data, refusing every input that could hurt the supervisor: oversize
 * content, binary or invalid UTF-8, duplicate keys (which the API server's strict decoder also
 * refuses), alias-expansion bombs, cyclic aliases, and inputs whose parse would cost more than
 * a manifest can need; and every value JSON cannot hold (YAML's !!binary, !!set, !!omap,
 * !!pairs and !!timestamp types, NaN and infinities, strings that are not valid Unicode,
 * mappings as keys), which would otherwise be dropped or changed without a word on the way to
 * the schema. JSON is read as YAML (a superset), so both formats get the same checks and the
 * same error positions.
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
  /**
   * Scalars, aliases and collections in the whole stream; also in one document once its
   * aliases are expanded (what validation and every later step walk).
   */
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

/**
 * Alias nodes in one document. Aliases are legitimate in hand-written YAML, but not by the
 * thousand; and yaml finds an alias's anchor by a scan of the document's anchors and aliases,
 * so their count bounds that cost too. What aliases expand to is bounded separately (by
 * `nodes`: see documentProblems).
 */
const MAX_ALIASES = 1000;

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
  /**
   * `indexes[i]` is the place of `documents[i]` in the stream: empty documents (`---` `---`)
   * are not returned but count, so an error can name the part of the file it is in.
   */
  | { ok: true; documents: unknown[]; indexes: number[]; multiDocument: boolean }
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
  // 200,000-key mapping took five minutes). Known tags (!!binary, !!set, …) are not resolved
  // into their JS types: documentProblems refuses them by name.
  const composer = new Composer({ version: '1.1', uniqueKeys: false, strict: true, customTags: jsonTags, resolveKnownTags: false });
  const problems: DecodeProblem[] = [];
  const documents: unknown[] = [];
  const indexes: number[] = [];
  let index = 0;
  const take = (doc: Document.Parsed): void => {
    const where = { document: index++ };
    const found = documentProblems(doc, lines, text, limits.nodes);
    if (found.length > 0) {
      for (const message of found) problems.push({ ...where, message });
      return;
    }
    let value: unknown;
    try {
      // The walk has bounded what aliases expand to, in linear time. yaml's own count (any
      // maxAliasCount but -1) walks the whole document again for each alias inside an aliased
      // anchor: 6,000 of them in a 140 KB file took 25 s in one step.
      value = doc.toJS({ maxAliasCount: -1 });
    } catch (err) {
      problems.push({ ...where, message: `cannot parse YAML: ${excerpt(errorMessage(err))}` });
      return;
    }
    // A stray `---` at the end of a stream is an empty document, not an error.
    if (value === null || value === undefined) return;
    documents.push(value);
    indexes.push(where.document);
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
  return { ok: true, documents, indexes, multiDocument };
}

function fail(message: string): DecodeResult {
  return { ok: false, problems: [{ message }] };
}

/**
 * YAML 1.1 types that JSON cannot hold. Explicit tags (`!!set {a}`) are refused by name; the
 * implicit ones are left out of the schema, so a plain `2001-12-14` or `12:30` stays a string,
 * as in Kubernetes' decoder (go-yaml hands timestamps to it as strings and has no base-60).
 */
const NON_JSON_TYPES: ReadonlySet<string> = new Set(['binary', 'omap', 'pairs', 'set', 'timestamp']);
const YAML_TAG_PREFIX = 'tag:yaml.org,2002:';

function jsonTags(tags: Tags): Tags {
  return tags.filter((t) => {
    const tag = typeof t === 'string' ? t : t.tag;
    const format = typeof t === 'string' ? undefined : t.format;
    return !NON_JSON_TYPES.has(tag.slice(YAML_TAG_PREFIX.length)) && format !== 'TIME';
  });
}

/**
 * What a node of the walk stands for in its parent: a mapping key (with the keys seen so far in
 * that mapping), a value, or the value of a merge key (`<<: *base`) or one item of it.
 */
type Role = { kind: 'key'; keys: Set<string> } | { kind: 'value' } | { kind: 'merge' } | { kind: 'merge-item' };
type Visit = { node: unknown; role: Role } | { close: string; node: Node; start: number };
const VALUE: Role = { kind: 'value' };

/** The state of one walk: anchors defined so far (in document order) and those still open. */
interface Walk {
  lines: LineCounter;
  /** The last node defined under each anchor name so far: what an alias at this point means. */
  anchors: Map<string, Node>;
  /** Anchors whose node the walk is inside: an alias to one of them is a cycle. */
  open: Map<string, number>;
  /** Nodes so far with every alias expanded: what the document will hold for its consumers. */
  expanded: number;
  /** The limit of `expanded`: beyond it, a possible alias bomb. */
  maxExpanded: number;
  /** Expanded size of each anchored node once the walk has left it. */
  sizes: Map<Node, number>;
  aliases: number;
  out: string[];
}

/**
 * Parse errors, then, from one walk over the document's nodes, everything toJS would turn into
 * something else than the JSON the file says: duplicate keys (also those that only collide as
 * JSON strings, `1` and `"1"`), aliases to one of their own ancestors or to no anchor at all,
 * mappings as keys, merge keys without mappings, non-JSON types and values, lone surrogates.
 * toJS gives no position and yaml only warns (process.emitWarning) on a collection key, so
 * these are found here, each with its line. The walk keeps its own stack: the census bounded
 * the depth, but a walk must not lean on that. Aliases are not followed, so shared anchors
 * cost nothing here.
 */
function documentProblems(doc: Document.Parsed, lines: LineCounter, text: string, maxExpanded: number): string[] {
  const out: string[] = [];
  // Only the first parse error: yaml reports one mistake several times over (a line indented
  // too deep gives "Nested mappings are not allowed" and "Implicit keys need to be on a single
  // line" for the same spot), and errors after the first are mostly its echoes.
  const first = doc.errors[0];
  if (first) return [yamlErrorMessage(first, lines, text)];
  const walk: Walk = { lines, anchors: new Map(), open: new Map(), expanded: 0, maxExpanded, sizes: new Map(), aliases: 0, out };
  const stack: Visit[] = [{ node: doc.contents, role: VALUE }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('close' in item) {
      const n = walk.open.get(item.close)! - 1;
      if (n === 0) walk.open.delete(item.close);
      else walk.open.set(item.close, n);
      // Everything counted since the node was entered is the node, aliases expanded.
      walk.sizes.set(item.node, walk.expanded - item.start);
      continue;
    }
    const { node, role } = item;
    if (isAlias(node)) {
      visitAlias(walk, node, role);
      continue;
    }
    if (!isMap(node) && !isSeq(node) && !isScalar(node)) continue;
    const start = walk.expanded++;
    const anchor = node.anchor;
    if (anchor !== undefined) {
      walk.anchors.set(anchor, node);
      if (isScalar(node)) walk.sizes.set(node, 1);
    }
    const problem = nodeProblem(node, role);
    if (problem !== undefined) {
      // Refused as a whole: what is inside would only repeat the point.
      out.push(`${problem}${at(lines, node.range?.[0])}`);
      continue;
    }
    if (role.kind === 'key' && isScalar(node)) checkKey(walk, node, node, role.keys);
    if (anchor !== undefined && !isScalar(node)) {
      // An anchor is "open" while the walk is inside its node: an alias to it is a cycle,
      // which JSON cannot hold and which Kubernetes' decoder refuses too.
      walk.open.set(anchor, (walk.open.get(anchor) ?? 0) + 1);
      stack.push({ close: anchor, node, start });
    }
    if (isMap(node)) {
      const keys = new Set<string>();
      for (let i = node.items.length - 1; i >= 0; i--) pushPair(stack, node.items[i]!, keys);
    } else if (isSeq(node)) {
      const itemRole: Role = role.kind === 'merge' ? { kind: 'merge-item' } : VALUE;
      for (let i = node.items.length - 1; i >= 0; i--) {
        const v = node.items[i];
        // A flow sequence holds single-pair maps (`[a: 1]`) as pairs.
        if (isPair(v)) pushPair(stack, v, new Set());
        else stack.push({ node: v, role: itemRole });
      }
    }
  }
  return out;
}

function pushPair(stack: Visit[], pair: { key: unknown; value: unknown }, keys: Set<string>): void {
  stack.push({ node: pair.value, role: isMergeKey(pair.key) ? { kind: 'merge' } : VALUE }, { node: pair.key, role: { kind: 'key', keys } });
}

/** yaml's own test: a plain `<<` key (resolved to a symbol by the 1.1 merge tag). */
function isMergeKey(key: unknown): boolean {
  if (!isScalar(key) || (key.type !== undefined && key.type !== 'PLAIN')) return false;
  const v = key.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

/** Why a node (not an alias) cannot stand where it is, or undefined. */
function nodeProblem(node: Node, role: Role): string | undefined {
  const tag = node.tag;
  if (tag?.startsWith(YAML_TAG_PREFIX) && NON_JSON_TYPES.has(tag.slice(YAML_TAG_PREFIX.length))) {
    return `YAML type !!${tag.slice(YAML_TAG_PREFIX.length)} has no JSON equivalent`;
  }
  if (role.kind === 'key' && !isScalar(node)) return COLLECTION_KEY;
  if (role.kind === 'merge' && !isMap(node) && !isSeq(node)) return MERGE_VALUE;
  if (role.kind === 'merge-item' && !isMap(node)) return MERGE_VALUE;
  return isScalar(node) ? scalarProblem(node, role) : undefined;
}

const COLLECTION_KEY = 'a mapping key that is itself a list or a mapping (keys must be strings)';
const MERGE_VALUE = 'a YAML merge key (<<) takes a mapping or a list of mappings';

function scalarProblem(node: Scalar, role: Role): string | undefined {
  const v: unknown = node.value;
  switch (typeof v) {
    case 'string':
      return (v as string & { isWellFormed(): boolean }).isWellFormed() ? undefined : 'a string with a lone UTF-16 surrogate (an escape such as "\\ud800") is not valid Unicode';
    case 'boolean':
      return undefined;
    case 'number':
      // As a key it becomes a string ("NaN"), which JSON can hold.
      return Number.isFinite(v) || role.kind === 'key' ? undefined : `the number ${excerpt(node.source ?? String(v), 40)} has no JSON equivalent (NaN or infinite)`;
    case 'symbol':
      return role.kind === 'key' ? undefined : 'a YAML merge (!!merge) used as a value';
    case 'object':
      if (v === null) return undefined;
      return `a ${(v as object).constructor?.name ?? 'non-JSON'} value has no JSON equivalent`;
    default:
      return `a ${typeof v} value has no JSON equivalent`;
  }
}

/** A key as it will be in the JSON object (yaml's stringifyKey); undefined for a merge key. */
function jsonKey(v: unknown): string | undefined {
  if (typeof v === 'symbol') return undefined;
  return v === null ? '' : String(v);
}

function checkKey(walk: Walk, keyNode: Node, scalar: Scalar, keys: Set<string>): void {
  const k = jsonKey(scalar.value);
  if (k === undefined) return;
  if (keys.has(k)) walk.out.push(`duplicate key${at(walk.lines, keyNode.range?.[0])}`);
  keys.add(k);
}

/** An alias is checked for what it resolves to at this point, which is what toJS will use. */
function visitAlias(walk: Walk, node: Alias, role: Role): void {
  const where = at(walk.lines, node.range?.[0]);
  // Each limit is reported once, where it is passed.
  if (++walk.aliases > MAX_ALIASES) {
    if (walk.aliases === MAX_ALIASES + 1) walk.out.push(`more than ${MAX_ALIASES} YAML aliases in one document (the limit)${where}`);
    return;
  }
  if (walk.open.has(node.source)) {
    walk.out.push(`YAML alias *${excerpt(node.source)} is inside its own anchor (a cyclic structure)${where}`);
    return;
  }
  const target = walk.anchors.get(node.source);
  if (target === undefined) {
    walk.out.push(`YAML alias *${excerpt(node.source)} has no anchor &${excerpt(node.source)} before it${where}`);
    return;
  }
  const before = walk.expanded;
  walk.expanded += walk.sizes.get(target) ?? 1;
  if (walk.expanded > walk.maxExpanded && before <= walk.maxExpanded) {
    walk.out.push(`too many YAML alias expansions (the document would hold more than ${walk.maxExpanded} nodes); refusing a possible alias bomb${where}`);
  }
  if (role.kind === 'key') {
    if (!isScalar(target)) walk.out.push(`${COLLECTION_KEY}${where}`);
    else checkKey(walk, node, target, role.keys);
  } else if (role.kind === 'merge' || role.kind === 'merge-item') {
    if (!isMergeSource(walk, target, role.kind === 'merge')) walk.out.push(`${MERGE_VALUE}${where}`);
  }
}

/** A mapping, or (for the merge value itself) a list whose items are or alias mappings. */
function isMergeSource(walk: Walk, node: Node, listAllowed: boolean): boolean {
  if (isMap(node)) return true;
  if (!listAllowed || !isSeq(node)) return false;
  return node.items.every((it) => isMap(isAlias(it) ? walk.anchors.get(it.source) : it));
}

function at(lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return '';
  const pos = lines.linePos(offset);
  return ` at line ${pos.line}, column ${pos.col}`;
}

function yamlErrorMessage(e: YAMLError, lines: LineCounter, text: string): string {
  const first = e.message.split('\n', 1)[0] ?? e.message;
  if (e.code === 'RESOURCE_EXHAUSTION') return `nesting too deep for the YAML parser${at(lines, e.pos[0]) || ' (somewhere)'}`;
  const line = lines.linePos(e.pos[0]).line;
  if (e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY') {
    const deeper = overIndented(lines, text, line);
    if (deeper) return deeper;
  }
  // The position alone makes the reader count columns; the line itself shows the mistake.
  const source = sourceLine(lines, text, line);
  return `cannot parse YAML: ${excerpt(first.replace(/:$/, ''))}${at(lines, e.pos[0])}${source === undefined ? '' : `: ${quoteLine(source)}`}`;
}

/** Line `n` (1-based) of the text without its line break; undefined past the end. */
function sourceLine(lines: LineCounter, text: string, n: number): string | undefined {
  const start = lines.lineStarts[n - 1];
  if (start === undefined) return undefined;
  const end = lines.lineStarts[n] ?? text.length;
  return text.slice(start, end).replace(/\r?\n$/, '');
}

/** A source line in the one-line message form: quoted so its indentation shows, cut to size. */
function quoteLine(s: string): string {
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}...` : s);
}

function indentOf(s: string): number {
  return s.length - s.trimStart().length;
}

/**
 * yaml reports a line indented deeper than the `key: value` above it at that key's value, as a
 * value turned into a mapping: the mistake is on the next line. Named there, with both lines.
 */
function overIndented(lines: LineCounter, text: string, line: number): string | undefined {
  const above = sourceLine(lines, text, line);
  if (above === undefined || !/^\s*(?:- )?[^\s#][^:]*:\s+\S/.test(above)) return undefined;
  for (let n = line + 1; ; n++) {
    const next = sourceLine(lines, text, n);
    if (next === undefined) return undefined;
    if (next.trim() === '' || next.trimStart().startsWith('#')) continue;
    // Keys under a "- " item line up with the text after the dash.
    const keyColumn = indentOf(above) + (/^\s*- /.test(above) ? 2 : 0);
    if (indentOf(next) <= keyColumn) return undefined;
    return `cannot parse YAML at line ${n}: ${quoteLine(next)} is indented ${indentOf(next)} spaces, the keys of the mapping above it (line ${line}: ${quoteLine(above)}) ${keyColumn}; keys of one mapping must start in the same column`;
  }
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
  /** Where the current token starts in the text: markers (see below) are not part of it. */
  let offset = 0;
  // Found once per refusal, so the loop only adds lengths.
  const position = (): string => `line ${lineAt(text, offset)}, column ${col + 1}`;
  const tooDeep = (): string => `nesting deeper than ${limits.depth} levels (the limit) at ${position()}`;
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
    if (!isMarker(token)) offset += token.length;
    // Columns advance by the token's width; markers (control characters) take none.
    const nl = token.lastIndexOf('\n');
    if (nl !== -1) col = token.length - nl - 1;
    else if (token.length !== 1 || token.charCodeAt(0) >= 0x20) col += token.length;
  }
  return undefined;
}

/** The lexer's own markers (document, flow end, scalar): tokens that are not in the text. */
function isMarker(token: string): boolean {
  return token === CST.DOCUMENT || token === CST.FLOW_END || token === CST.SCALAR;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
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
