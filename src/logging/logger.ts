import { pino, type Logger, type LevelWithSilent } from 'pino';
import pinoPrettyModule from 'pino-pretty';

// pino-pretty's typings describe a CJS default export; this is the factory it actually exports.
const pinoPretty = pinoPrettyModule as unknown as (opts: Record<string, unknown>) => NodeJS.WritableStream;

export type { Logger };

export type LogFormat = 'json' | 'text';

export interface LoggerOptions {
  /** kubelet-style verbosity: 0 = info, 1-3 = debug, >= 4 = trace. */
  verbosity?: number;
  /** Explicit format; when absent, text on a TTY and JSON otherwise. */
  format?: LogFormat;
  /** Destination stream; stderr keeps stdout free for command output. */
  destination?: NodeJS.WritableStream;
  level?: LevelWithSilent;
}

export function levelForVerbosity(v: number): LevelWithSilent {
  if (v >= 4) return 'trace';
  if (v >= 1) return 'debug';
  return 'info';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const destination = opts.destination ?? process.stderr;
  const isTty = Boolean((destination as NodeJS.WriteStream).isTTY);
  const format = opts.format ?? (isTty ? 'text' : 'json');
  const level = opts.level ?? levelForVerbosity(opts.verbosity ?? 0);
  if (format === 'text') {
    // pino-pretty is synchronous here so that lines interleave correctly with command output.
    const stream = pinoPretty({ destination, colorize: isTty, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    return pino({ level, base: undefined }, stream);
  }
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that drops everything: for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
