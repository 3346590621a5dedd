/**
 * /exec, /attach and /portForward: the kubelet proxies these to the runtime's streaming server
 * (CRI Exec/Attach/PortForward). staticlet does not do that yet; they answer 501 with a message
 * that says so, rather than a misleading 404.
 */
import { sendText } from '../http.js';
import type { Route } from '../types.js';

function notImplemented(prefix: string, what: string): Route {
  return {
    prefix,
    methods: ['GET', 'POST'],
    subpaths: true,
    debugging: true,
    handle(ctx) {
      sendText(ctx.res, 501, `${what} is not implemented by staticlet's node API (the runtime's streaming server is not proxied); use /run for a one-off command\n`);
    },
  };
}

export function streamingRoutes(): Route[] {
  return [notImplemented('exec', 'exec'), notImplemented('attach', 'attach'), notImplemented('portForward', 'port forwarding')];
}
