import type { Command } from 'commander';
import { KubeletConfigError, loadKubeletConfigFile, type LoadedKubeletConfig } from '../../config/kubelet/load.js';
import { resolveSettings, type FlagValues } from '../../config/settings.js';
import { createLogger } from '../../logging/logger.js';
import { Supervisor } from '../../supervisor/supervisor.js';
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
  const supervisor = new Supervisor(settings, logger);
  try {
    await supervisor.start();
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'cannot start');
    await supervisor.stop().catch(() => undefined);
    return EXIT_FAILURE;
  }
  await waitForShutdown(signal);
  await supervisor.stop();
  return EXIT_OK;
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
