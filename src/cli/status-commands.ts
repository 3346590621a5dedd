import type { Command } from 'commander';
import * as describeCmd from './commands/describe.js';
import * as podsCmd from './commands/pods.js';

/** The commands reading a running staticlet's status socket, registered as one COMMANDS entry. */
export function register(program: Command): void {
  podsCmd.register(program);
  describeCmd.register(program);
}
