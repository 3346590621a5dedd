import { connect, type Socket } from 'node:net';
import type { ProbeHandler } from '../types.js';
import { dialErrorText, failure, joinHostPort, resolvePort, success } from './common.js';

/** Opens a TCP connection from the node; connecting at all is healthy, nothing is sent. */
export const tcpProbe: ProbeHandler = async (probe, target, timeoutMs) => {
  const action = probe.tcpSocket;
  if (!action) return failure('probe has no tcpSocket action');
  const port = resolvePort(action.port, target.container);
  if (typeof port === 'string') return failure(port);
  const err = await dial(action.host || target.podIP, port, timeoutMs);
  return err === undefined ? success() : failure(err);
};

/** Resolves with a failure text, or undefined once connected; the socket is always gone after. */
function dial(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let socket: Socket;
    try {
      socket = connect({ host, port });
    } catch (err) {
      return resolve(dialErrorText(err, host, port));
    }
    const timer = setTimeout(() => finish(`dial tcp ${joinHostPort(host, port)}: i/o timeout`), timeoutMs);
    socket.once('connect', () => finish(undefined));
    socket.once('error', (err) => finish(dialErrorText(err, host, port)));
    function finish(result: string | undefined): void {
      clearTimeout(timer);
      socket.removeAllListeners('connect');
      // A late error from the destroyed socket must not become an uncaught 'error' event.
      socket.on('error', () => {});
      socket.destroy();
      resolve(result);
    }
  });
}
