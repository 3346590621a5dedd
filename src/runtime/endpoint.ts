import { isAbsolute } from 'node:path';
import { InvalidEndpointError } from './errors.js';

export const DEFAULT_RUNTIME_ENDPOINT = 'unix:///run/containerd/containerd.sock';

export interface ParsedEndpoint {
  /** What the user gave, for messages. */
  endpoint: string;
  /** Absolute socket path. */
  socketPath: string;
  /** Target string for @grpc/grpc-js. */
  grpcTarget: string;
}

/**
 * Accepts `unix:///abs/path` (the documented form) and, like the kubelet used to, a bare
 * absolute path. TCP endpoints are refused: CRI runtimes serve unauthenticated root-equivalent
 * APIs and only listen on local sockets.
 */
export function parseEndpoint(endpoint: string): ParsedEndpoint {
  const e = endpoint.trim();
  if (e === '') throw new InvalidEndpointError(endpoint, 'empty');
  let path: string;
  if (e.startsWith('unix://')) {
    path = e.slice('unix://'.length);
  } else if (e.startsWith('/')) {
    path = e;
  } else {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(e)?.[1];
    throw new InvalidEndpointError(
      endpoint,
      scheme ? `scheme "${scheme}" is not supported; use unix:///path/to/socket` : 'expected unix:///path/to/socket',
    );
  }
  if (!isAbsolute(path)) throw new InvalidEndpointError(endpoint, 'socket path must be absolute (unix:///...)');
  return { endpoint: e, socketPath: path, grpcTarget: `unix://${path}` };
}
