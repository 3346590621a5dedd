import { request } from 'node:http';

export const DEFAULT_STATUS_TIMEOUT_MS = 10_000;

/** The socket is missing, refuses connections, is not ours to open, or stays silent. */
export class StatusUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatusUnreachableError';
  }
}

/** The server answered with a non-2xx status; `reason` is the API-style reason (NotFound...). */
export class StatusRequestError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'StatusRequestError';
  }
}

// Pod lists of a node are small; a cap keeps a confused peer from filling memory.
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

function unreachable(socketPath: string, err: NodeJS.ErrnoException): Error {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      return new StatusUnreachableError(`cannot reach staticlet at ${socketPath}: is "staticlet run" running? (use --root-dir or --status-socket)`);
    case 'EACCES':
    case 'EPERM':
      return new StatusUnreachableError(`cannot reach staticlet at ${socketPath}: permission denied (the socket is readable by its owner only; try sudo)`);
    default:
      return new StatusUnreachableError(`cannot reach staticlet at ${socketPath}: ${err.message}`);
  }
}

function failureOf(status: number, body: string): StatusRequestError {
  try {
    const doc = JSON.parse(body) as { kind?: unknown; message?: unknown; reason?: unknown };
    if (doc.kind === 'Status' && typeof doc.message === 'string') {
      return new StatusRequestError(doc.message, status, typeof doc.reason === 'string' ? doc.reason : '');
    }
  } catch {
    // not a Status document: fall through to a generic message
  }
  return new StatusRequestError(`staticlet answered HTTP ${status}`, status, '');
}

/**
 * GETs `urlPath` from the staticlet status socket and parses the JSON answer. The caller names
 * the expected shape; the server is the same program, so the cast is a version-skew risk only.
 */
export function fetchStatus<T>(socketPath: string, urlPath: string, timeoutMs: number = DEFAULT_STATUS_TIMEOUT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const req = request({ socketPath, path: urlPath, method: 'GET', headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new StatusUnreachableError(`staticlet at ${socketPath} sent more than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(failureOf(status, body));
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new StatusRequestError(`staticlet at ${socketPath} sent invalid JSON for ${urlPath}`, status, 'BadResponse'));
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new StatusUnreachableError(`staticlet at ${socketPath} did not answer within ${Math.ceil(timeoutMs / 1000)}s`));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(err instanceof StatusUnreachableError ? err : unreachable(socketPath, err));
    });
    req.end();
  });
}
