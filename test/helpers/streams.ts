import { PassThrough } from 'node:stream';

/** A writable stream that keeps everything written to it, for command output and logs. */
export function textSink(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return { stream, text: () => out };
}

/** stdout and stderr sinks in the shape the CLI actions take. */
export function captureOutput(): { out: { stdout: PassThrough; stderr: PassThrough }; stdout(): string; stderr(): string } {
  const o = textSink();
  const e = textSink();
  return { out: { stdout: o.stream, stderr: e.stream }, stdout: o.text, stderr: e.text };
}
