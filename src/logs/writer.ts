import { formatLine, type LogLine } from './cri-format.js';
import type { Backpressure } from './scan.js';

export interface LineWriterOptions {
  /** Stop after this many bytes, cutting the last line as the kubelet's limitBytes does. */
  limitBytes?: number;
  /** Called once when limitBytes is reached (the reader should stop). */
  onLimit?: () => void;
}

/**
 * Prints lines to `stream`, and holds the reader while the stream has more queued than it
 * wants: stdout to a pipe (or an HTTP response) is asynchronous, and a pager or a slow consumer
 * would otherwise make a whole log pile up in memory. The output closing or failing stops the
 * reader. Shared by `staticlet logs` and the node API's /containerLogs.
 */
export function lineWriter(stream: NodeJS.WritableStream, timestamps: boolean, opts: LineWriterOptions = {}): { emit: (line: LogLine) => void; backpressure: Backpressure } {
  let full = false;
  let left = opts.limitBytes;
  return {
    emit: (line) => {
      if (left !== undefined && left <= 0) return;
      let text: string | Buffer = formatLine(line, timestamps);
      if (left !== undefined) {
        const bytes = Buffer.from(text);
        if (bytes.length >= left) {
          text = bytes.subarray(0, left);
          left = 0;
          if (!stream.write(text)) full = true;
          opts.onLimit?.();
          return;
        }
        left -= bytes.length;
      }
      if (!stream.write(text)) full = true;
    },
    backpressure: () => {
      if (!full) return undefined;
      full = false;
      return new Promise<void>((resolve, reject) => {
        const settle = (err?: Error): void => {
          stream.removeListener('drain', onDrain);
          stream.removeListener('close', onClose);
          stream.removeListener('error', settle);
          if (err) reject(err);
          else resolve();
        };
        const onDrain = (): void => settle();
        const onClose = (): void => settle(new Error('the output was closed'));
        stream.on('drain', onDrain);
        stream.on('close', onClose);
        stream.on('error', settle);
      });
    },
  };
}
