import type { Command } from 'commander';
import * as describeCmd from './commands/describe.js';
import * as podsCmd from './commands/pods.js';
import * as logsCmd from './commands/logs.js';
import * as nodeCmd from './commands/node.js';
import * as topCmd from './commands/top.js';

/** The commands reading a running staticlet's status socket, registered as one COMMANDS entry. */
export function register(program: Command): void {
  podsCmd.register(program);
  describeCmd.register(program);
  logsCmd.register(program);
  nodeCmd.register(program);
  topCmd.register(program);
}
