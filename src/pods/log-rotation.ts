import { statfs } from 'node:fs/promises';
import type { Logger } from '../logging/logger.js';
import { rotateIfNeeded, type RotationPolicy } from '../logs/rotation.js';
import { managedSelector, type Runtime } from '../runtime/index.js';
import { logLinkOf } from './log-links.js';

/** The kubelet checks container logs every 10 s. */
export const LOG_ROTATION_PERIOD_MS = 10_000;

/** Less room than this under the pod log directory: the runtime is dropping container output. */
export const LOG_FS_FULL_BYTES = 1 << 20;

/**
 * Keeps every running container's log within containerLogMaxSize / containerLogMaxFiles. Only
 * running containers are rotated: the runtime can reopen only their logs, and an exited
 * container's log no longer grows.
 */
export class LogRotator {
  private running: Promise<void> | undefined;
  private full = false;

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

  /**
   * A full log filesystem does not stop pods (the runtime drops what they print) but loses
   * their output, and rotation cannot compress: said once when it fills, once when it clears.
   */
  private async checkSpace(): Promise<void> {
    const st = await statfs(this.podLogsDir).catch(() => undefined);
    if (!st) return;
    const available = st.bavail * st.bsize;
    const full = available < LOG_FS_FULL_BYTES;
    if (full === this.full) return;
    this.full = full;
    if (full) this.logger.warn({ path: this.podLogsDir, availableBytes: available }, 'the pod log filesystem is full: container output is being lost; pods keep running');
    else this.logger.info({ path: this.podLogsDir, availableBytes: available }, 'the pod log filesystem has room again');
  }

  private async rotateAll(): Promise<void> {
    await this.checkSpace();
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
