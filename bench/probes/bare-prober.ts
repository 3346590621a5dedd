/**
 * Phase C of bench:probes: the probe traffic staticlet makes for the benchmark's pods, with the
 * least code that makes it and none of staticlet's machinery, so the supervisor's CPU can be read
 * as a multiple of this floor. Run as `node dist/bench/probes/bare-prober.js <targets.json>`.
 *
 * Per web pod IP, every web period: a TCP connect to :8080, destroyed once connected (liveness),
 * and a GET / with staticlet's headers, read to its end (readiness). Per exec container, every
 * exec period: ExecSync [cat, /etc/hostname] (liveness) and ExecSync [true] (readiness).
 * Scheduled as staticlet's ProberManager does: a random first offset within the period, due
 * times aligned up to 100 ms slots sharing one timer each, then a fixed cadence, at most one
 * attempt in flight per probe.
 *
 * Prints `ready` once everything is scheduled; on SIGTERM (or when the parent goes away) prints
 * one JSON line, BareCounts, and exits.
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { PROBE_USER_AGENT } from '../../src/probes/handlers/common.js';
import { loadCri } from '../../src/runtime/grpc/proto.js';
import type { BareCounts, BareTargets, ProbeName } from './bare.js';

const PORT = 8080;
const TIMEOUT_MS = 1000;
/** staticlet's ExecSync deadline: the exec's own timeout plus 5 s for the runtime to report it. */
const EXEC_DEADLINE_MS = TIMEOUT_MS + 5000;
const SLOT_MS = 100;

const targets = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BareTargets;
const counts: BareCounts['counts'] = {};

// ---- scheduling: the slots of src/probes/slots.ts, the cadence of src/probes/worker.ts ----

const slots = new Map<number, Array<() => void>>();
const align = (t: number): number => Math.ceil(t / SLOT_MS) * SLOT_MS;

function at(due: number, fn: () => void): void {
  const pending = slots.get(due);
  if (pending) return void pending.push(fn);
  const list = [fn];
  slots.set(due, list);
  setTimeout(() => {
    slots.delete(due);
    for (const f of list) f();
  }, Math.max(0, due - Date.now()));
}

/** `attempt` resolves with success and never rejects. */
function every(name: ProbeName, periodSeconds: number, attempt: () => Promise<boolean>): void {
  const periodMs = periodSeconds * 1000;
  const tally = (counts[name] ??= { successful: 0, failed: 0 });
  let busy = false;
  const tick = (due: number): void => {
    const now = Date.now();
    // A loop stalled past a period skips ahead rather than bursting, as staticlet's does.
    let next = due + periodMs;
    while (next <= now) next += periodMs;
    const nextDue = align(next);
    at(nextDue, () => tick(nextDue));
    if (busy) return;
    busy = true;
    void attempt().then((ok) => {
      tally[ok ? 'successful' : 'failed']++;
      busy = false;
    });
  };
  const first = align(Date.now() + Math.random() * periodMs);
  at(first, () => tick(first));
}

// ---- the probes ----

/** Resolves once with `ok` from whichever of connect, data, end, error or the timeout decides. */
function onSocket(host: string, wire: (socket: Socket, done: (ok: boolean) => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port: PORT });
    const timer = setTimeout(() => done(false), TIMEOUT_MS);
    function done(ok: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    }
    // Stays attached after done(): a late error must not become an uncaught 'error' event.
    socket.on('error', () => done(false));
    wire(socket, done);
  });
}

const tcp = (host: string): Promise<boolean> => onSocket(host, (s, done) => s.once('connect', () => done(true)));

/** The bytes staticlet sends for an httpGet probe of / on :8080 (its first request, cached). */
function request(host: string): Buffer {
  return Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}:${PORT}\r\nUser-Agent: ${PROBE_USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n\r\n`, 'latin1');
}

/** Status 200-399 once the response is complete (Content-Length read, or the server closed); undefined while more is due. */
function verdict(res: Buffer, ended: boolean): boolean | undefined {
  const headEnd = res.indexOf('\r\n\r\n');
  if (headEnd < 0) return ended ? false : undefined;
  const head = res.toString('latin1', 0, headEnd);
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1];
  if (!ended && (length === undefined || res.length - headEnd - 4 < Number(length))) return undefined;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  return status >= 200 && status < 400;
}

function http(host: string, bytes: Buffer): Promise<boolean> {
  return onSocket(host, (s, done) => {
    let res = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      res = Buffer.concat([res, chunk]);
      const ok = verdict(res, false);
      if (ok !== undefined) done(ok);
    });
    s.on('end', () => done(verdict(res, true) ?? false));
    s.write(bytes);
  });
}

const runtime = new (loadCri().runtime.v1.RuntimeService)(`unix://${targets.socket}`, credentials.createInsecure());

function exec(containerId: string, cmd: string[]): Promise<boolean> {
  return new Promise((resolve) =>
    runtime.ExecSync({ container_id: containerId, cmd, timeout: TIMEOUT_MS / 1000 }, new Metadata(), { deadline: Date.now() + EXEC_DEADLINE_MS }, (err, res) =>
      resolve(!err && res?.exit_code === 0),
    ),
  );
}

// ---- run ----

// staticlet's channel has been up since it started; connecting here keeps the first ExecSyncs
// from paying for the connection inside the window.
await new Promise<void>((resolve, reject) => runtime.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
const startedAt = Date.now();
for (const ip of targets.webIPs) {
  const bytes = request(ip);
  every('web Liveness', targets.webPeriodSeconds, () => tcp(ip));
  every('web Readiness', targets.webPeriodSeconds, () => http(ip, bytes));
}
for (const id of targets.execContainerIds) {
  every('exec Liveness', targets.execPeriodSeconds, () => exec(id, ['cat', '/etc/hostname']));
  every('exec Readiness', targets.execPeriodSeconds, () => exec(id, ['true']));
}

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  const out: BareCounts = { seconds: (Date.now() - startedAt) / 1000, counts };
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}
process.once('SIGTERM', finish);
// The parent holds our stdin open; if it dies without stopping us, its end is our cue to go.
process.stdin.once('end', finish).resume();
process.stdout.write('ready\n');
