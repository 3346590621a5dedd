/**
 * /stats/summary: the Summary API (src/stats/), as metrics-server and `kubectl top` read it;
 * `only_cpu_and_memory=true` gives the cpu and memory subset. GET and POST, as the kubelet's.
 */
import { queryValue, RequestError, sendJson, sendText } from '../http.js';
import type { Route } from '../types.js';

export function statsRoute(): Route {
  return {
    prefix: 'stats',
    methods: ['GET', 'POST'],
    subpaths: true,
    readOnly: true,
    async handle(ctx) {
      if (ctx.params.length !== 1 || ctx.params[0] !== 'summary') return sendText(ctx.res, 404, '404 page not found\n');
      const only = queryValue(ctx.url.searchParams, 'only_cpu_and_memory');
      if (only !== undefined && only !== 'true' && only !== 'false') throw new RequestError(400, `only_cpu_and_memory: "${only.slice(0, 64)}" is not a boolean`);
      const summary = await ctx.deps.summary({ onlyCpuAndMemory: only === 'true' });
      if (!summary) return sendText(ctx.res, 503, 'the container runtime is not connected yet\n');
      sendJson(ctx.res, 200, summary);
    },
  };
}
