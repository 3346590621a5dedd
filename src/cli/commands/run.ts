import type { Command } from 'commander';
import { KubeletConfigError, loadKubeletConfigFile, type LoadedKubeletConfig } from '../../config/kubelet/load.js';
import { resolveSettings, type FlagValues } from '../../config/settings.js';
import { createLogger } from '../../logging/logger.js';
import { Supervisor } from '../../supervisor/supervisor.js';
import { SystemdNotifier, WatchdogConfigError } from '../../systemd/notify.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setExitCode } from '../exit.js';
import { addIdentityFlags, addLoggingFlags, addRunFlags } from '../flags.js';

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('run the supervisor: watch manifests and keep their pods running')
    .action(async (opts: FlagValues & { config?: string }, self: Command) => {
      setExitCode(self, await run(opts));
    });
  addRunFlags(cmd);
  addIdentityFlags(cmd);
  addLoggingFlags(cmd);
}

export async function run(opts: FlagValues & { config?: string }, signal?: AbortSignal): Promise<number> {
  let file: LoadedKubeletConfig | undefined;
  try {
    file = opts.config ? await loadKubeletConfigFile(opts.config) : undefined;
  } catch (err) {
    if (err instanceof KubeletConfigError) {
      process.stderr.write(`staticlet: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  let settings;
  try {
    settings = resolveSettings(opts, file);
  } catch (err) {
    process.stderr.write(`staticlet: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const logger = createLogger({ ...(settings.logging.format ? { format: settings.logging.format } : {}), verbosity: settings.logging.verbosity });
  for (const w of file?.warnings ?? []) logger.warn({ config: opts.config }, w);
  let notifier: SystemdNotifier;
  try {
    notifier = new SystemdNotifier({ logger });
  } catch (err) {
    if (!(err instanceof WatchdogConfigError)) throw err;
    process.stderr.write(`staticlet: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const supervisor = new Supervisor(settings, logger);
  // Pinged from the start, as the kubelet's watchdog: the check passes until the loop first ran.
  notifier.startWatchdog(() => supervisor.syncLoopFailure(testSyncLoopThreshold()));
  const offChange = supervisor.onChange(() => notifier.status(supervisor.statusLine()));
  // Changes the listeners miss (a phase computed from the runtime) show within this period.
  const statusRefresh = setInterval(() => notifier.status(supervisor.statusLine()), 30_000);
  statusRefresh.unref();
  notifier.status(supervisor.statusLine());
  try {
    await supervisor.start();
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'cannot start');
    notifier.stopWatchdog();
    await supervisor.stop().catch(() => undefined);
    return EXIT_FAILURE;
  }
  void supervisor.adopted.then(async () => {
    await notifier.ready();
    notifier.status(supervisor.statusLine());
    if (notifier.enabled) logger.info('told systemd staticlet is ready');
  });
  await waitForShutdown(signal);
  offChange();
  clearInterval(statusRefresh);
  await notifier.stopping();
  await supervisor.stop();
  return EXIT_OK;
}

/**
 * STATICLET_TEST_SYNC_LOOP_THRESHOLD_MS: a test hook that shortens the 5-minute rule after which
 * the sync loop counts as stuck (for the watchdog only), so a test can stall it briefly.
 */
function testSyncLoopThreshold(): number | undefined {
  const v = Number(process.env['STATICLET_TEST_SYNC_LOOP_THRESHOLD_MS']);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Resolves on SIGTERM/SIGINT (or when the caller aborts, in tests). */
function waitForShutdown(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Signal handlers do not keep Node alive; with every watcher idle (say, the manifest directory
    // does not exist yet) the process would otherwise just end.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const done = (): void => {
      clearInterval(keepAlive);
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
