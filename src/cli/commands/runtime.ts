import { Option, type Command } from 'commander';
import { createLogger } from '../../logging/logger.js';
import {
  connectRuntime,
  DEFAULT_RUNTIME_ENDPOINT,
  InvalidEndpointError,
  RuntimeNotReadyError,
  type RuntimeCondition,
} from '../../runtime/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, setExitCode } from '../exit.js';
import { intArg } from '../flags.js';

export interface RuntimeInfoOptions {
  containerRuntimeEndpoint?: string;
  imageServiceEndpoint?: string;
  output?: 'text' | 'json';
  /** Seconds to wait for the runtime to answer. */
  timeout?: number;
}

export interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function register(program: Command): void {
  const runtime = program.command('runtime').description('inspect the CRI container runtime');
  runtime
    .command('info')
    .description('show the runtime name, version, CRI API version and its conditions; exit 1 if not ready')
    .option('--container-runtime-endpoint <endpoint>', `CRI runtime endpoint (default ${DEFAULT_RUNTIME_ENDPOINT})`)
    .option('--image-service-endpoint <endpoint>', 'CRI image service endpoint when it differs from the runtime one')
    .option('--timeout <seconds>', 'how long to wait for the runtime (default 10)', intArg(1, 3600))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: RuntimeInfoOptions, self: Command) => {
      setExitCode(self, await runtimeInfo(opts));
    });
}

/** The `runtime info` action, with injectable streams for tests. */
export async function runtimeInfo(opts: RuntimeInfoOptions, out: Output = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const endpoint = opts.containerRuntimeEndpoint || DEFAULT_RUNTIME_ENDPOINT;
  const json = opts.output === 'json';
  try {
    const hs = await connectRuntime({
      endpoint,
      ...(opts.imageServiceEndpoint ? { imageEndpoint: opts.imageServiceEndpoint } : {}),
      timeoutMs: (opts.timeout ?? 10) * 1000,
      logger: createLogger({ level: 'error', format: 'json', destination: out.stderr }),
    });
    hs.client.close();
    const ready = hs.runtimeReady && hs.networkReady;
    if (json) {
      const doc = { endpoint, imageEndpoint: opts.imageServiceEndpoint || endpoint, ready, version: hs.version, conditions: hs.status.conditions };
      out.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      out.stdout.write(formatText(endpoint, hs.version, hs.status.conditions));
    }
    return ready ? EXIT_OK : EXIT_FAILURE;
  } catch (err) {
    const usage = err instanceof InvalidEndpointError;
    const message = err instanceof RuntimeNotReadyError || usage ? err.message : `unexpected error: ${(err as Error).message ?? String(err)}`;
    if (json) out.stdout.write(`${JSON.stringify({ endpoint, ready: false, error: message }, null, 2)}\n`);
    out.stderr.write(`staticlet runtime info: ${message}\n`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}

function formatText(endpoint: string, v: { runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }, conditions: RuntimeCondition[]): string {
  const lines = [
    `Endpoint:       ${endpoint}`,
    `Runtime:        ${v.runtimeName}`,
    `Version:        ${v.runtimeVersion}`,
    `CRI API:        ${v.runtimeApiVersion}`,
    'Conditions:',
  ];
  for (const c of conditions) {
    const why = [c.reason, c.message].filter(Boolean).join(': ');
    lines.push(`  ${c.type.padEnd(14)}${String(c.status).padEnd(7)}${why}`);
  }
  return `${lines.join('\n')}\n`;
}
