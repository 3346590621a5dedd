import type { Logger } from '../logging/logger.js';
import { rotateIfNeeded, type RotationPolicy } from '../logs/rotation.js';
import { managedSelector, type Runtime } from '../runtime/index.js';
import { logLinkOf } from './log-links.js';

/** The kubelet checks container logs every 10 s. */
export const LOG_ROTATION_PERIOD_MS = 10_000;

/**
 * Keeps every running container's log within containerLogMaxSize / containerLogMaxFiles. Only
 * running containers are rotated: the runtime can reopen only their logs, and an exited
 * container's log no longer grows.
 */
export class LogRotator {
  private running: Promise<void> | undefined;

  constructor(
    private readonly runtime: Pick<Runtime, 'listContainers' | 'reopenContainerLog'>,
    private readonly podLogsDir: string,
    private readonly policy: RotationPolicy,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** One pass; a pass still running is joined rather than doubled. */
  pass(): Promise<void> {
    this.running ??= this.rotateAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Resolves when no pass is running (shutdown waits for the one in flight). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async rotateAll(): Promise<void> {
    let containers;
    try {
      containers = await this.runtime.listContainers({ state: 'running', labelSelector: managedSelector() });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'log rotation: cannot list containers');
      return;
    }
    for (const c of containers) {
      const log = logLinkOf(c, this.podLogsDir)?.target;
      if (!log) continue;
      try {
        if (await rotateIfNeeded(log, this.policy, () => this.runtime.reopenContainerLog(c.id))) this.logger.info({ container: c.id, log }, 'container log rotated');
      } catch (err) {
        this.logger.warn({ container: c.id, log, err: (err as Error).message }, 'container log rotation failed');
      }
    }
  }
}
