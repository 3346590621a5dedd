// A module loader hook (module.register) that reports every resolved URL to the main thread.
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const r = await next(specifier, context);
  port?.postMessage(r.url);
  return r;
}
