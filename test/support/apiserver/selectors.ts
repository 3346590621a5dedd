// Label and field selectors with the API server's grammar: labels support =, ==, !=, in, notin,
// exists, !exists, > and <; fields support =, == and != over the fields a resource declares.
import { badRequest } from './status.js';

export type LabelRequirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'absent' }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = LabelRequirement[];

export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

export type FieldSelector = FieldRequirement[];

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function fail(text: string, why: string): never {
  throw badRequest(`unable to parse requirement: found '${text}', ${why}`);
}

/** Splits on commas that are not inside a parenthesised value list. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function checkKey(key: string, text: string): string {
  if (!KEY.test(key) || key.length > 316) fail(text, `invalid label key "${key}"`);
  return key;
}

function checkValue(v: string, text: string): string {
  if (!VALUE.test(v) || v.length > 63) fail(text, `invalid label value: "${v}"`);
  return v;
}

export function parseLabelSelector(s: string | null | undefined): LabelSelector {
  if (!s || !s.trim()) return [];
  const reqs: LabelSelector = [];
  for (const raw of splitTop(s)) {
    const text = raw.trim();
    if (!text) fail(raw, 'expected: identifier');
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text))) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim(), text));
      reqs.push({ key: checkKey(m[1]!, text), op: m[2] as 'in' | 'notin', values });
    } else if ((m = /^([^=!<>\s]+)\s*(==|=|!=)\s*([^=!<>\s]*)$/.exec(text))) {
      reqs.push({ key: checkKey(m[1]!, text), op: m[2] === '!=' ? 'neq' : 'eq', value: checkValue(m[3]!, text) });
    } else if ((m = /^([^=!<>\s]+)\s*([<>])\s*(-?\d+)$/.exec(text))) {
      reqs.push({ key: checkKey(m[1]!, text), op: m[2] === '>' ? 'gt' : 'lt', value: Number(m[3]) });
    } else if ((m = /^!\s*([^=!<>\s]+)$/.exec(text))) {
      reqs.push({ key: checkKey(m[1]!, text), op: 'absent' });
    } else if (/^[^=!<>\s()]+$/.test(text)) {
      reqs.push({ key: checkKey(text, text), op: 'exists' });
    } else {
      fail(text, 'expected: in, notin, =, ==, !=, gt, lt');
    }
  }
  return reqs;
}

export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'neq':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'absent':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        return r.op === 'gt' ? Number(v) > r.value : Number(v) < r.value;
      }
    }
  });
}

/** Field selector terms; `\,`, `\=` and `\\` escape those characters in values. */
export function parseFieldSelector(s: string | null | undefined, supported: readonly string[]): FieldSelector {
  if (!s || !s.trim()) return [];
  const out: FieldSelector = [];
  let field = '';
  let value = '';
  let op: 'eq' | 'neq' | undefined;
  const end = () => {
    if (!op) throw badRequest(`invalid selector: '${s}'; can't understand '${field}'`);
    const f = field.trim();
    if (!supported.includes(f)) throw badRequest(`field label not supported: ${f}`);
    out.push({ field: f, op, value });
    field = value = '';
    op = undefined;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const next = s[++i]!;
      if (op) value += next;
      else field += next;
    } else if (c === ',') {
      end();
    } else if (!op && (c === '=' || c === '!')) {
      if (c === '!' && s[i + 1] !== '=') throw badRequest(`invalid selector: '${s}'`);
      op = c === '!' ? 'neq' : 'eq';
      if (s[i + 1] === '=') i++;
    } else if (op) value += c;
    else field += c;
  }
  end();
  return out;
}

export function matchFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.every((r) => ((fields[r.field] ?? '') === r.value) === (r.op === 'eq'));
}
