import { Command, CommanderError } from 'commander';
import * as runCmd from './commands/run.js';
import * as validateCmd from './commands/validate.js';
import * as runtimeCmd from './commands/runtime.js';
import * as statusCmds from './status-commands.js';
import * as planCmd from './commands/plan.js';
import * as execCmd from './commands/exec.js';
import * as versionCmd from './commands/version.js';
import { EXIT_USAGE, exitCodeOf } from './exit.js';

/** Every subcommand module exports `register(program)`; adding one is one line here. */
const COMMANDS: ReadonlyArray<{ register(program: Command): void }> = [runCmd, validateCmd, runtimeCmd, statusCmds, planCmd, execCmd, versionCmd];

export async function main(argv: string[]): Promise<number> {
  const program = new Command('staticlet')
    .description('Run static pods from a manifest directory on a CRI runtime, like the kubelet in standalone mode')
    .exitOverride()
    .showHelpAfterError();
  for (const c of COMMANDS) c.register(program);
  let code = 0;
  // Commands report their exit code through this hook rather than calling process.exit.
  program.hook('postAction', (_this, action) => {
    const c = exitCodeOf(action);
    if (typeof c === 'number') code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw err;
  }
  return code;
}
