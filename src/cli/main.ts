import { Command, CommanderError } from 'commander';
import { EXIT_USAGE, exitCodeOf } from './exit.js';

interface CommandModule {
  register(program: Command): void;
}

/**
 * Every subcommand module exports `register(program)`; adding one is one line here, with the
 * command names it registers. Modules are imported when needed: a command loads its own module
 * and what that imports, not the supervisor, the CRI client or the metrics every other command
 * brings (`staticlet validate` in CI starts in a fraction of the time).
 */
const COMMANDS: ReadonlyArray<{ names: readonly string[]; load(): Promise<CommandModule> }> = [
  { names: ['run'], load: () => import('./commands/run.js') },
  { names: ['validate'], load: () => import('./commands/validate.js') },
  { names: ['runtime'], load: () => import('./commands/runtime.js') },
  { names: ['pods', 'describe', 'logs', 'node', 'top'], load: () => import('./status-commands.js') },
  { names: ['plan'], load: () => import('./commands/plan.js') },
  { names: ['exec'], load: () => import('./commands/exec.js') },
  { names: ['version'], load: () => import('./commands/version.js') },
];

/**
 * The modules to register for these arguments, in COMMANDS order: the named command's, or every
 * one when the first argument names none (help, an unknown command and its suggestion need them
 * all). The program's only option is version's `--version`, which commander also reads after a
 * subcommand (`staticlet validate --version`): that module is always registered. No other
 * program option exists, so a command's name can only be the first argument.
 */
async function modulesFor(argv: readonly string[]): Promise<CommandModule[]> {
  const first = argv[0];
  const named = COMMANDS.find((c) => first !== undefined && c.names.includes(first));
  const wanted = named === undefined ? COMMANDS : COMMANDS.filter((c) => c === named || c.names.includes('version'));
  return Promise.all(wanted.map((c) => c.load()));
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('staticlet')
    .description('Run static pods from a manifest directory on a CRI runtime, like the kubelet in standalone mode')
    .exitOverride()
    .showHelpAfterError();
  for (const c of await modulesFor(argv)) c.register(program);
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
