import { main } from './main.js';

/**
 * Entry of the single executable (scripts/build-sea.ts). bin/staticlet.js awaits at top level,
 * which the CommonJS bundle a single executable needs cannot; the exit code travels the same way.
 */
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`staticlet: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
