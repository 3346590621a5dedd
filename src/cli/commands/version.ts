import { Option, type Command } from 'commander';
import { packageVersion } from '../../node/version.js';
import { CRI_API_VERSION } from '../../runtime/cri-version.js';
import { KUBERNETES_VERSION } from '../../validation/schema.js';
import { EXIT_OK, setExitCode } from '../exit.js';
import { processOutput, type Output } from '../io.js';

export interface VersionInfo {
  staticlet: string;
  /** The Kubernetes API whose Pod schema and kubelet behaviour staticlet follows. */
  kubernetes: string;
  /** The CRI API version staticlet speaks to the runtime. */
  cri: string;
}

export function versionInfo(): VersionInfo {
  return { staticlet: packageVersion(), kubernetes: KUBERNETES_VERSION, cri: CRI_API_VERSION };
}

/** One line, for `--version` and for bug reports: what this build is and what it speaks. */
export function versionLine(v: VersionInfo = versionInfo()): string {
  return `staticlet ${v.staticlet} (Kubernetes API ${v.kubernetes}, CRI ${v.cri})`;
}

export function register(program: Command): void {
  // `--version` on the program itself, as most CLIs have it; the subcommand adds -o json.
  program.version(versionLine(), '--version', 'print the version, the Kubernetes API and CRI versions');
  program
    .command('version')
    .description("print staticlet's version, the Kubernetes API version and the CRI version it speaks")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { output: 'text' | 'json' }, self: Command) => {
      setExitCode(self, printVersion(opts.output));
    });
}

export function printVersion(format: 'text' | 'json', out: Output = processOutput()): number {
  const v = versionInfo();
  out.stdout.write(format === 'json' ? `${JSON.stringify(v, null, 2)}\n` : `${versionLine(v)}\n`);
  return EXIT_OK;
}
