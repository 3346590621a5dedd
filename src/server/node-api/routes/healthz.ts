/**
 * /healthz as the kubelet installs it: `ping` and `log` always pass, `syncloop` fails once the
 * pod sync loop has not run for max(2 x syncFrequency, 5 min). /healthz answers `ok` when all
 * pass, else 500 listing them ([+]/[-]) with the reason withheld, as k8s.io/apiserver's healthz.
 * The plain healthz listener has ping only, as the kubelet's.
 */
import { sendText } from '../http.js';
import type { Route, RouteContext } from '../types.js';

interface Check {
  name: string;
  /** undefined when healthy, else why not. */
  run(ctx: RouteContext): string | undefined;
}

const FIVE_MINUTES = 5 * 60_000;

/** How long the sync loop may go without a pass before it counts as stuck (the kubelet's rule). */
export function syncLoopThresholdMs(syncFrequencyMs: number): number {
  return Math.max(2 * syncFrequencyMs, FIVE_MINUTES);
}

/**
 * The one sync-loop health signal: /healthz/syncloop and the systemd watchdog both ask it.
 * undefined when healthy (also before the loop first ran), else the reason.
 */
export function syncLoopFailure(last: number | undefined, thresholdMs: number, now: number = Date.now()): string | undefined {
  if (last === undefined || now - last <= thresholdMs) return undefined;
  return 'sync Loop took longer than expected';
}

export function healthzRoute(syncFrequencyMs: number, now: () => number = Date.now): Route {
  const threshold = syncLoopThresholdMs(syncFrequencyMs);
  const checks: Check[] = [
    { name: 'ping', run: () => undefined },
    { name: 'log', run: () => undefined },
    {
      name: 'syncloop',
      run: (ctx) => {
        // Before the loop starts (runtime not up yet) the kubelet's check passes too.
        return syncLoopFailure(ctx.deps.lastSyncLoop(), threshold, now());
      },
    },
  ];
  return {
    prefix: 'healthz',
    methods: ['GET'],
    subpaths: true,
    readOnly: true,
    healthz: true,
    handle(ctx) {
      const active = ctx.server === 'healthz' ? checks.slice(0, 1) : checks;
      const [name, ...rest] = ctx.params;
      if (name !== undefined) {
        const check = rest.length === 0 ? active.find((c) => c.name === name) : undefined;
        if (!check) return sendText(ctx.res, 404, '404 page not found\n');
        const failed = check.run(ctx);
        return failed ? sendText(ctx.res, 500, `internal server error: ${failed}\n`) : sendText(ctx.res, 200, 'ok');
      }
      const results = active.map((c) => ({ name: c.name, failed: c.run(ctx) }));
      if (results.every((r) => !r.failed)) return sendText(ctx.res, 200, 'ok');
      const lines = results.map((r) => (r.failed ? `[-]${r.name} failed: reason withheld` : `[+]${r.name} ok`));
      sendText(ctx.res, 500, `${lines.join('\n')}\nhealthz check failed\n`);
    },
  };
}
