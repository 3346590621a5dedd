/**
 * /metrics, /metrics/probes and /metrics/resource: the supervisor's three prom-client registries
 * (the kubelet's names), rendered at scrape time. Served on the read-only port too, as the
 * kubelet's; authorized as the `metrics` subresource.
 */
import type { MetricsEndpoint } from '../../../metrics/index.js';
import { sendText } from '../http.js';
import type { Route } from '../types.js';

const ENDPOINTS: Record<string, MetricsEndpoint> = { '': 'metrics', probes: 'probes', resource: 'resource' };

export function metricsRoute(): Route {
  return {
    prefix: 'metrics',
    methods: ['GET'],
    subpaths: true,
    readOnly: true,
    async handle(ctx) {
      const which = ctx.params.length <= 1 ? ENDPOINTS[ctx.params[0] ?? ''] : undefined;
      if (!which) return sendText(ctx.res, 404, '404 page not found\n');
      const { contentType, body } = await ctx.deps.metricsText(which);
      ctx.res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
    },
  };
}
