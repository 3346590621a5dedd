import type { Command } from 'commander';
import type { Pod } from '../../api/generated/core-v1.js';
import { createLogger } from '../../logging/logger.js';
import { connectRuntime, DEFAULT_RUNTIME_ENDPOINT, InvalidEndpointError, RuntimeNotReadyError } from '../../runtime/index.js';
import { EXIT_FAILURE, EXIT_USAGE, setExitCode } from '../exit.js';
import { intArg } from '../flags.js';
import { processOutput, type Output } from '../io.js';
import { addStatusSocketFlags, statusSocketFrom, type StatusSocketFlags } from '../status-socket-flags.js';
import { findPod, parsePodArg } from './describe.js';
import { chooseContainer } from './logs.js';

export interface ExecOptions extends StatusSocketFlags {
  namespace?: string;
  container?: string;
  containerRuntimeEndpoint?: string;
  /** Seconds the command may run; 0: no limit. */
  timeout?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('exec')
    .description("run a command in a running container of a staticlet pod (CRI ExecSync) and exit with the command's exit code, like kubectl exec")
    .argument('<pod>', 'pod name, or namespace/name')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('-n, --namespace <namespace>', 'namespace of the pod (default "default")')
    .option('-c, --container <name>', 'container name (default: the only container)')
    .option('--container-runtime-endpoint <endpoint>', `CRI runtime endpoint of the running staticlet (default ${DEFAULT_RUNTIME_ENDPOINT})`)
    .option('--timeout <seconds>', 'stop waiting for the command after this long (default 0: no limit)', intArg(0, 86_400));
  addStatusSocketFlags(cmd).action(async (pod: string, command: string[], opts: ExecOptions, self: Command) => {
    setExitCode(self, await execCommand(pod, command, opts));
  });
}

/** The running instance's runtime ID (`containerd://<id>` in the status), or why there is none. */
function runningContainerId(pod: Pod, name: string): string | { error: string } {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const s = all.find((c) => c.name === name);
  if (!s?.state?.running || !s.containerID) {
    const why = s?.state?.waiting?.reason ?? (s?.state?.terminated ? 'terminated' : 'not started');
    return { error: `container ${name} is not running (${why})` };
  }
  return s.containerID.replace(/^[a-z0-9.-]+:\/\//, '');
}

/**
 * The `exec` action. As `logs`, the pod is found through the status socket (it knows names and
 * which instance is current); the command then goes to the runtime directly, as `runtime info`
 * does: the status socket is read-only, and running a command needs the runtime socket's
 * permissions anyway. Exit codes: the command's own, or 1 when it could not run, 2 usage.
 */
export async function execCommand(podArg: string, command: string[], opts: ExecOptions, out: Output = processOutput()): Promise<number> {
  const fail = (code: number, msg: string): number => {
    out.stderr.write(`staticlet exec: ${msg}\n`);
    return code;
  };
  const target = parsePodArg(podArg, opts.namespace);
  if (!target) return fail(EXIT_USAGE, `invalid pod "${podArg}": expected NAME or NAMESPACE/NAME`);
  if (command.length === 0) return fail(EXIT_USAGE, 'no command given: staticlet exec POD -- COMMAND [ARGS...]');
  let id: string;
  let container: string;
  try {
    const pod = await findPod(statusSocketFrom(opts), target.namespace, target.name, target.explicit);
    const choice = chooseContainer(pod, opts.container);
    if ('error' in choice) return fail(EXIT_FAILURE, choice.error);
    container = choice.name;
    const found = runningContainerId(pod, container);
    if (typeof found !== 'string') return fail(EXIT_FAILURE, found.error);
    id = found;
  } catch (err) {
    return fail(EXIT_FAILURE, (err as Error).message);
  }
  const endpoint = opts.containerRuntimeEndpoint || DEFAULT_RUNTIME_ENDPOINT;
  let hs;
  try {
    hs = await connectRuntime({ endpoint, timeoutMs: 10_000, logger: createLogger({ level: 'error', format: 'json', destination: out.stderr }) });
  } catch (err) {
    const usage = err instanceof InvalidEndpointError;
    return fail(usage ? EXIT_USAGE : EXIT_FAILURE, err instanceof RuntimeNotReadyError || usage ? err.message : (err as Error).message);
  }
  try {
    const r = await hs.client.execSync(id, command, opts.timeout ?? 0);
    out.stdout.write(r.stdout);
    out.stderr.write(r.stderr);
    return r.exitCode;
  } catch (err) {
    return fail(EXIT_FAILURE, `cannot run the command in container ${container}: ${(err as Error).message}`);
  } finally {
    hs.client.close();
  }
}
