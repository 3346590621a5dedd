import { execFile } from 'node:child_process';
import type { Logger } from '../logging/logger.js';

/**
 * The service manager's notification protocol (sd_notify(3)): READY=1, STATUS=, WATCHDOG=1,
 * STOPPING=1 as datagrams to $NOTIFY_SOCKET. Node cannot open a unix datagram socket, and a
 * native addon would need a compiler on the node, so each message is handed to the
 * `systemd-notify` binary that ships with systemd. It costs a fork+exec: about 5 ms of wall
 * time and 5 ms of CPU per message on the test machine (50 pings: 0.24 s real, 0.23 s CPU),
 * which at one ping every WatchdogSec/2 (15 s with the unit's WatchdogSec=30) is noise.
 *
 * The child sends with `--pid=<our pid>`: systemd attributes a message by the sender's PID, and
 * a short-lived helper may be gone before PID 1 reads it (then the message is dropped). Root may
 * put another PID in SCM_CREDENTIALS, and MAINPID= (which --pid also sets) is ours anyway. The
 * unit says NotifyAccess=all so that messages from the helper's cgroup member are accepted.
 */

/** Sends one notification; rejects when it could not be handed over. */
export type NotifySend = (fields: readonly string[]) => Promise<void>;

export function systemdNotifySend(socket: string, binary = 'systemd-notify'): NotifySend {
  return (fields) =>
    new Promise((resolve, reject) => {
      // --no-block: do not wait for PID 1 to process the message (sd_notify_barrier), the sync
      // loop's health is what is being reported, not systemd's.
      execFile(binary, [`--pid=${process.pid}`, '--no-block', ...fields], { env: { ...process.env, NOTIFY_SOCKET: socket }, timeout: 10_000 }, (err, _out, stderr) => {
        if (err) reject(new Error(`${binary}: ${String(stderr).trim() || err.message}`));
        else resolve();
      });
    });
}

export class WatchdogConfigError extends Error {}

export interface WatchdogSettings {
  /** WatchdogSec as systemd passed it (WATCHDOG_USEC), in ms. */
  timeoutMs: number;
  /** Ping period: half the timeout, as the kubelet and sd_watchdog_enabled(3) advise. */
  intervalMs: number;
}

/**
 * The watchdog systemd asks for, from WATCHDOG_USEC and WATCHDOG_PID (sd_watchdog_enabled(3)):
 * undefined when none is configured or it is meant for another process (a parent that passed
 * its environment on). A timeout of 1 s or less is refused, as the kubelet refuses it: with the
 * ping at half the timeout and a fork per ping, one slow spawn would get the service killed.
 */
export function watchdogFromEnv(env: NodeJS.ProcessEnv, pid = process.pid): WatchdogSettings | undefined {
  const usecText = env['WATCHDOG_USEC'];
  if (usecText === undefined || usecText === '') return undefined;
  const pidText = env['WATCHDOG_PID'];
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  if (!/^\d+$/.test(usecText)) throw new WatchdogConfigError(`WATCHDOG_USEC=${JSON.stringify(usecText)} is not a number of microseconds`);
  const usec = Number(usecText);
  if (usec === 0) return undefined;
  if (usec <= 1_000_000) throw new WatchdogConfigError(`the systemd watchdog timeout (WatchdogSec) is ${usec / 1e6} s; it must be over 1 s (15 s or more is advised)`);
  const timeoutMs = Math.floor(usec / 1000);
  return { timeoutMs, intervalMs: Math.floor(timeoutMs / 2) };
}

export interface NotifierOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Replaces the systemd-notify helper (unit tests). */
  send?: NotifySend;
  /** STATUS= lines at most this often; the latest text wins (default 2 s). */
  statusMinIntervalMs?: number;
}

/**
 * staticlet's side of Type=notify. Everything is a no-op when NOTIFY_SOCKET is unset (not run by
 * systemd, or a Type=simple unit). Failures to notify are logged, never fatal: the pods matter
 * more than the service manager's view of them.
 */
export class SystemdNotifier {
  readonly enabled: boolean;
  readonly watchdog: WatchdogSettings | undefined;
  private readonly send: NotifySend;
  private readonly logger: Logger;
  private readonly statusMinIntervalMs: number;
  private lastStatus: string | undefined;
  private pendingStatus: string | undefined;
  private lastStatusAt = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  /** Why the last watchdog tick skipped its ping; logged when it changes. */
  private skipped: string | undefined;
  private lastSendError: string | undefined;
  private chain: Promise<void> = Promise.resolve();

  /** Throws WatchdogConfigError for a watchdog timeout staticlet cannot keep. */
  constructor(opts: NotifierOptions) {
    const env = opts.env ?? process.env;
    const socket = env['NOTIFY_SOCKET'];
    this.logger = opts.logger;
    this.enabled = socket !== undefined && socket !== '';
    this.send = opts.send ?? systemdNotifySend(socket ?? '');
    this.statusMinIntervalMs = opts.statusMinIntervalMs ?? 2_000;
    this.watchdog = watchdogFromEnv(env);
    if (this.watchdog && !this.enabled) throw new WatchdogConfigError('WATCHDOG_USEC is set but NOTIFY_SOCKET is not: the watchdog cannot be pinged');
  }

  ready(): Promise<void> {
    return this.notify(['READY=1']);
  }

  stopping(): Promise<void> {
    this.stopWatchdog();
    clearTimeout(this.statusTimer);
    return this.notify(['STOPPING=1', 'STATUS=stopping; pods are left running']);
  }

  /** Sets STATUS=; unchanged text is not resent, changes at most every statusMinIntervalMs. */
  status(text: string): void {
    if (!this.enabled) return;
    this.pendingStatus = text;
    if (this.statusTimer) return;
    const wait = Math.max(0, this.lastStatusAt + this.statusMinIntervalMs - Date.now());
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      const t = this.pendingStatus;
      this.pendingStatus = undefined;
      if (t === undefined || t === this.lastStatus) return;
      this.lastStatus = t;
      this.lastStatusAt = Date.now();
      void this.notify([`STATUS=${t}`]);
    }, wait);
    this.statusTimer.unref();
  }

  /**
   * Pings every intervalMs while `unhealthy()` says nothing is wrong, as the kubelet's watchdog
   * runs its health checks each tick and skips the ping when one fails: a stuck loop then stops
   * the pings and systemd restarts staticlet (KillMode=process leaves the pods running).
   */
  startWatchdog(unhealthy: () => string | undefined): void {
    const wd = this.watchdog;
    if (!wd || !this.enabled || this.watchdogTimer) return;
    this.logger.info({ timeoutMs: wd.timeoutMs, intervalMs: wd.intervalMs }, 'systemd watchdog enabled');
    const tick = (): void => {
      const why = unhealthy();
      if (why !== undefined) {
        if (why !== this.skipped) this.logger.warn({ reason: why }, 'not pinging the systemd watchdog: the sync loop is not healthy');
        this.skipped = why;
        return;
      }
      if (this.skipped !== undefined) this.logger.info('sync loop healthy again; pinging the systemd watchdog');
      this.skipped = undefined;
      void this.notify(['WATCHDOG=1']);
    };
    tick();
    this.watchdogTimer = setInterval(tick, wd.intervalMs);
    this.watchdogTimer.unref();
  }

  stopWatchdog(): void {
    clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  /** Messages go out one at a time, in order (READY before the STATUS that follows it). */
  private notify(fields: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.chain = this.chain.then(async () => {
      try {
        await this.send(fields);
        if (this.lastSendError !== undefined) this.logger.info('systemd notifications work again');
        this.lastSendError = undefined;
      } catch (err) {
        const msg = (err as Error).message;
        if (msg !== this.lastSendError) this.logger.warn({ err: msg, fields: fields.map((f) => f.split('=')[0]) }, 'cannot notify systemd');
        this.lastSendError = msg;
      }
    });
    return this.chain;
  }
}
