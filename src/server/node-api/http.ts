import type { ServerResponse } from 'node:http';

/** Plain-text answers, as Go's http.Error and restful's WriteErrorString write them. */
export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A bad request: malformed or oversized input. Thrown by parsers, answered by the dispatcher. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** Longest query value accepted; far more than any legitimate option needs. */
export const MAX_QUERY_VALUE = 1024;

/** One query value; repeated or oversized ones are refused, since they have no single meaning. */
export function queryValue(q: URLSearchParams, name: string): string | undefined {
  const all = q.getAll(name);
  if (all.length === 0) return undefined;
  if (all.length > 1) throw new RequestError(400, `${name}: given more than once`);
  const v = all[0]!;
  if (v.length > MAX_QUERY_VALUE) throw new RequestError(400, `${name}: value longer than ${MAX_QUERY_VALUE} characters`);
  return v;
}

/** A Go-style boolean query (`true`, `1`, `false`, `0`; present but empty counts as true, as kubectl sends `follow=true`). */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = queryValue(q, name);
  if (v === undefined) return false;
  if (v === '' || v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'False' || v === 'FALSE' || v === 'f') return false;
  throw new RequestError(400, `${name}: "${v}" is not a boolean`);
}

/** A whole number within int64's safe part; undefined when absent. */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = queryValue(q, name);
  if (v === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(v)) throw new RequestError(400, `${name}: "${v.slice(0, 64)}" is not a whole number`);
  return Number(v);
}
