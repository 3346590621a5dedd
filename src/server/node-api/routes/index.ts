/** The node API's route table. A route group is one module returning Route(s) and one line here. */
import { RouteTable } from '../router.js';
import { configzRoute } from './configz.js';
import { healthzRoute } from './healthz.js';
import { containerLogsRoute } from './logs.js';
import { podsRoute, runningPodsRoute } from './pods.js';
import { metricsRoute } from './metrics.js';
import { runRoute } from './run.js';
import { statsRoute } from './stats.js';
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
    .add(runRoute())
    .add(metricsRoute())
    .add(statsRoute());
  for (const r of streamingRoutes()) table.add(r);
  return table;
}
