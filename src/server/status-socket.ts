import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { STATUS_SOCKET_NAME } from '../config/settings.js';
import type { Logger } from '../logging/logger.js';
import { apiStatus, routeStatusRequestAsync } from './routes.js';
import type { StatusProvider } from './types.js';

export { STATUS_SOCKET_NAME as DEFAULT_STATUS_SOCKET_NAME } from '../config/settings.js';

/** Where `run` serves status and where `pods`/`describe` look for it, given the root dir. */
export function statusSocketPath(rootDir: string): string {
  return join(rootDir, STATUS_SOCKET_NAME);
}

export class SocketInUseError extends Error {
  constructor(readonly path: string) {
    super(`another staticlet is serving ${path}`);
    this.name = 'SocketInUseError';
  }
}

const PROBE_TIMEOUT_MS = 1000;

/**
 * Local read-only HTTP API on a unix socket for the `pods` and `describe` commands. Access is
 * controlled by file mode (0600): the socket exposes full pod specs, env values included.
 */
export class StatusSocketServer {
  private server: Server | undefined;
  private socketPath: string | undefined;

  constructor(
    private readonly provider: StatusProvider,
    private readonly logger?: Logger,
  ) {}

  /** The path being served, once started. */
  get path(): string | undefined {
    return this.socketPath;
  }

  async start(path: string): Promise<void> {
    if (this.server) throw new Error(`status socket already serving ${this.socketPath}`);
    await mkdir(dirname(path), { recursive: true, mode: 0o750 });
    await removeStaleSocket(path);
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // There is a short window between bind and chmod where the umask decides the mode; the
    // parent directory (the private root dir by default, 0750) is what keeps others out then.
    try {
      await chmod(path, 0o600);
    } catch (err) {
      await closeServer(server);
      throw err;
    }
    server.on('error', (err) => this.logger?.error({ err: err.message, path }, 'status socket error'));
    this.server = server;
    this.socketPath = path;
    this.logger?.info({ path }, 'serving pod status');
  }

  async stop(): Promise<void> {
    const server = this.server;
    const path = this.socketPath;
    this.server = undefined;
    this.socketPath = undefined;
    if (!server || !path) return;
    await closeServer(server);
    // libuv usually unlinks a listening pipe on close; this covers the cases where it does not.
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer;
    try {
      answer = await routeStatusRequestAsync(this.provider, req.method ?? 'GET', req.url ?? '/');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger?.error({ err: message, url: req.url }, 'status request failed');
      answer = { status: 500, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(apiStatus(500, 'InternalError', message))}\n` };
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive connections would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/**
 * A socket file left by a crashed staticlet blocks bind(); remove it, but only once nothing
 * answers on it, so a second `staticlet run` cannot steal the socket of a live one.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isSocket()) throw new Error(`refusing to replace ${path}: it exists and is not a socket`);
  if (await answers(path)) throw new SocketInUseError(path);
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Whether something accepts connections on the socket. Only a refused connection counts as
 * stale; anything ambiguous (a timeout, a full backlog) is treated as live, to stay safe. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (live: boolean): void => {
      socket.destroy();
      resolve(live);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
}
