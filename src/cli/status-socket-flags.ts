import type { Command } from 'commander';
import { DEFAULTS } from '../config/settings.js';
import { statusSocketPath } from '../server/status-socket.js';

export interface StatusSocketFlags {
  rootDir?: string;
  statusSocket?: string;
}

/** Flags of the commands that read a running staticlet's status socket. */
export function addStatusSocketFlags(cmd: Command): Command {
  return cmd
    .option('--root-dir <dir>', `root directory of the running staticlet (default ${DEFAULTS.rootDir})`)
    .option('--status-socket <path>', 'status socket path (default <root-dir>/staticlet.sock)');
}

export function statusSocketFrom(opts: StatusSocketFlags): string {
  return opts.statusSocket || statusSocketPath(opts.rootDir || DEFAULTS.rootDir);
}
