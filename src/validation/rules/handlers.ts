/** Action checks shared by probes and lifecycle hooks (exec, httpGet, tcpSocket, grpc, sleep). */
import type { ExecAction, GRPCAction, HTTPGetAction, IntOrString, TCPSocketAction } from '../../api/generated/core-v1.js';
import { httpHeaderName, ianaSvcName, portNumber } from '../names.js';
import { field, index } from '../path.js';
import { addAll, isObject, list, type RuleContext } from './context.js';

/** A port given as a number (1-65535) or as the IANA_SVC_NAME of a container port. */
export function checkPortNumOrName(ctx: RuleContext, path: string, port: IntOrString | undefined): void {
  if (typeof port === 'number') addAll(ctx, path, portNumber(port));
  else if (typeof port === 'string') {
    if (port === '') ctx.add(path, 'required value: a port number or name');
    else addAll(ctx, path, ianaSvcName(port));
  }
}

export function checkExec(ctx: RuleContext, path: string, exec: ExecAction): void {
  if (list(exec.command).length === 0) ctx.add(field(path, 'command'), 'required value: the command to run');
}

export function checkHttpGet(ctx: RuleContext, path: string, http: HTTPGetAction): void {
  checkPortNumOrName(ctx, field(path, 'port'), http.port);
  list(http.httpHeaders).forEach((h, i) => {
    if (isObject(h) && typeof h.name === 'string') addAll(ctx, field(index(field(path, 'httpHeaders'), i), 'name'), httpHeaderName(h.name));
  });
}

export function checkTcpSocket(ctx: RuleContext, path: string, tcp: TCPSocketAction): void {
  checkPortNumOrName(ctx, field(path, 'port'), tcp.port);
}

export function checkGrpc(ctx: RuleContext, path: string, grpc: GRPCAction): void {
  if (typeof grpc.port === 'number') addAll(ctx, field(path, 'port'), portNumber(grpc.port));
}

/**
 * Exactly one handler: none is "must specify a handler type", several are reported on each
 * extra one, like the API server.
 */
export function exactlyOneHandler(ctx: RuleContext, path: string, set: readonly string[], allowed: readonly string[]): boolean {
  if (set.length === 0) {
    ctx.add(path, `must specify a handler type: one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
    return false;
  }
  for (const extra of set.slice(1)) ctx.add(field(path, extra), `may not specify more than 1 handler type (already has \`${set[0]}\`)`);
  return set.length === 1;
}
