/**
 * The node API's route table. A route group is one module returning Route(s) and one line here.
 * Reserved for the metrics/stats work: `/metrics`, `/metrics/probes`, `/metrics/resource`,
 * `/metrics/slis` (one route with prefix `metrics`, subpaths, readOnly) and `/stats/summary`
 * (prefix `stats`, GET and POST, readOnly); authorization already maps them to the `metrics`
 * and `stats` subresources (authz.ts).
 */
import { RouteTable } from '../router.js';
import { configzRoute } from './configz.js';
import { healthzRoute } from './healthz.js';
import { containerLogsRoute } from './logs.js';
import { podsRoute, runningPodsRoute } from './pods.js';
import { runRoute } from './run.js';
import { streamingRoutes } from './streaming.js';

export interface RouteOptions {
  syncFrequencyMs: number;
  maxLogFollowers?: number;
}

export function defaultRoutes(o: RouteOptions): RouteTable {
  const table = new RouteTable()
    .add(healthzRoute(o.syncFrequencyMs))
    .add(podsRoute())
    .add(runningPodsRoute())
    .add(containerLogsRoute(o.maxLogFollowers))
    .add(configzRoute())
    .add(runRoute());
  for (const r of streamingRoutes()) table.add(r);
  return table;
}
