import type { Command } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type WithExit = Command & { exitCodeResult?: number };

/** Lets an action hand its exit code back to main() instead of calling process.exit. */
export function setExitCode(cmd: Command, code: number): void {
  (cmd as WithExit).exitCodeResult = code;
}

export function exitCodeOf(cmd: Command): number | undefined {
  return (cmd as WithExit).exitCodeResult;
}
