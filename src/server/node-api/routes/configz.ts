/** /configz: the configuration in effect as `{"kubeletconfig": {...}}`, as the kubelet's configz handler. */
import { sendJson } from '../http.js';
import type { Route } from '../types.js';

export function configzRoute(): Route {
  return {
    prefix: 'configz',
    methods: ['GET'],
    subpaths: false,
    handle(ctx) {
      sendJson(ctx.res, 200, ctx.deps.configz());
    },
  };
}
