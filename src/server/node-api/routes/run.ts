/**
 * POST /run/{namespace}/{pod}[/{uid}]/{container}?cmd=...: runs a command in a running
 * container through CRI ExecSync and answers with its output (stdout then stderr), as the
 * kubelet's handleRun. `cmd` is split on spaces, as there.
 */
import { queryValue, RequestError, sendText } from '../http.js';
import type { Route } from '../types.js';

export function runRoute(): Route {
  return {
    prefix: 'run',
    methods: ['POST'],
    subpaths: true,
    debugging: true,
    async handle(ctx) {
      const p = ctx.params;
      if (p.length !== 3 && p.length !== 4) return sendText(ctx.res, 404, '404 page not found\n');
      const [namespace, name] = p as [string, string];
      const uid = p.length === 4 ? p[2] : undefined;
      const container = p[p.length - 1]!;
      const cmdText = queryValue(ctx.url.searchParams, 'cmd');
      if (!cmdText) throw new RequestError(400, 'missing cmd');
      const cmd = cmdText.split(' ');
      const pod = ctx.deps.getPod(namespace, name);
      if (!pod || (uid !== undefined && pod.metadata?.uid !== uid)) return sendText(ctx.res, 404, `pod "${name}" does not exist\n`);
      const status = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((c) => c.name === container);
      const id = status?.state?.running ? status.containerID?.replace(/^[a-z0-9-]+:\/\//, '') : undefined;
      if (!id) return sendText(ctx.res, 404, `container not found ("${container}")\n`);
      const runtime = ctx.deps.runtime();
      if (!runtime) return sendText(ctx.res, 503, 'the container runtime is not connected yet\n');
      const r = await runtime.execSync(id, cmd, ctx.deps.runTimeoutSeconds);
      const output = Buffer.concat([r.stdout, r.stderr]);
      if (r.exitCode !== 0) return sendText(ctx.res, 500, `command '${cmdText}' exited with ${r.exitCode}: ${output.toString('utf8')}`);
      ctx.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': output.length });
      ctx.res.end(output);
    },
  };
}
