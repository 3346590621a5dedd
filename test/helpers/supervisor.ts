/**
 * An in-process supervisor on a private containerd, with everything under one temp dir:
 *
 *   const h = await startSupervisor(env, { crashBackoffBaseMs: 1000 });
 *   await h.write('web.yaml', podYaml('web'));
 *   const pod = await h.waitPod('web', (p) => p.status?.phase === 'Running');
 *   await h.stop();
 */
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import { join } from 'node:path';
import type { Pod } from '../../src/api/generated/core-v1.js';
import { resolveSettings, type Settings } from '../../src/config/settings.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { CriClient, managedSelector, POD_UID_LABEL, type Container, type PodSandbox, type RuntimeClient } from '../../src/runtime/index.js';
import type { DirectoryFs } from '../../src/sources/directory.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import { startContainerd, type ContainerdEnv } from './containerd.js';
import { eventually } from './manifests.js';

export const NODE = 'node-1';

export interface SupervisorHarness {
  sup: Supervisor;
  settings: Settings;
  runtime: RuntimeClient;
  dir: string;
  manifests: string;
  write(file: string, text: string): Promise<void>;
  remove(file: string): Promise<void>;
  /** The pod (short name, namespace default) once `check` holds. */
  waitPod(name: string, check: (p: Pod) => boolean, timeoutMs?: number, namespace?: string): Promise<Pod>;
  pod(name: string, namespace?: string): Pod | undefined;
  /**
   * Runs `cmd` in the pod's running container (short pod name, namespace default) and returns
   * stdout; rejects with stderr when the command exits non-zero.
   */
  exec(podName: string, container: string, cmd: string[], namespace?: string): Promise<string>;
  /** What the runtime holds for a pod UID. */
  objects(uid: string): Promise<{ sandboxes: PodSandbox[]; containers: Container[] }>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  crashBackoffBaseMs?: number;
  crashBackoffMaxMs?: number;
  relistPeriodMs?: number;
  logRotationPeriodMs?: number;
  /** Reuse a directory (a restarted supervisor on the same state). */
  dir?: string;
  /** Applied over the resolved settings (maxPods, clusterDNS, ...). */
  settings?: Partial<Settings>;
  /** The supervisor's logger (default: silent, or JSON on stderr with STATICLET_TEST_LOG set). */
  logger?: Logger;
  /** Wraps the runtime the supervisor uses (to count or fail calls). */
  wrapRuntime?: (runtime: RuntimeClient) => RuntimeClient;
  /** File system calls of the manifest path source (to fail reads). */
  manifestPathFs?: Partial<DirectoryFs>;
  /** Serve the node API (default false here, so that suites do not fight over ports 10250/10248). */
  nodeApi?: boolean;
}

let seq = 0;

export async function startSupervisor(env: ContainerdEnv, opts: HarnessOptions = {}): Promise<SupervisorHarness> {
  const dir = opts.dir ?? join(env.dir, `sup-${process.pid}-${seq++}`);
  const manifests = join(dir, 'manifests');
  await mkdir(manifests, { recursive: true });
  const settings = resolveSettings({
    podManifestPath: manifests,
    containerRuntimeEndpoint: env.endpoint,
    rootDir: join(dir, 'root'),
    podLogsDir: join(dir, 'logs'),
    containerLogLinksDir: join(dir, 'containers'),
    hostnameOverride: NODE,
    fileCheckFrequency: '1s',
    nodeIp: '127.0.0.1',
  });
  if (opts.crashBackoffBaseMs) settings.crashLoopBackoffBaseMs = opts.crashBackoffBaseMs;
  if (opts.crashBackoffMaxMs) settings.crashLoopBackoffMaxMs = opts.crashBackoffMaxMs;
  Object.assign(settings, opts.settings ?? {});
  const logger = opts.logger ?? (process.env.STATICLET_TEST_LOG ? createLogger({ format: 'json', verbosity: 1 }) : createLogger({ level: 'silent' }));
  const runtime = new CriClient({ endpoint: env.endpoint });
  const sup = new Supervisor(settings, logger, { runtime: opts.wrapRuntime ? opts.wrapRuntime(runtime) : runtime, relistPeriodMs: opts.relistPeriodMs ?? 250, nodeApi: opts.nodeApi ?? false, ...(opts.logRotationPeriodMs ? { logRotationPeriodMs: opts.logRotationPeriodMs } : {}), ...(opts.manifestPathFs ? { testManifestPathFs: opts.manifestPathFs } : {}) });
  await sup.start();
  let stopped = false;
  const pod = (name: string, namespace = 'default'): Pod | undefined => sup.getPod(namespace, `${name}-${NODE}`);
  return {
    sup,
    settings,
    runtime,
    dir,
    manifests,
    write: (file, text) => writeFile(join(manifests, file), text),
    remove: (file) => unlink(join(manifests, file)),
    pod,
    exec: async (podName, container, cmd, namespace = 'default') => {
      const p = pod(podName, namespace);
      const id = p ? cs(p, container)?.containerID?.replace(/^[a-z]+:\/\//, '') : undefined;
      if (!id) throw new Error(`pod ${podName} has no container ${container} with an ID`);
      const r = await runtime.execSync(id, cmd, 10);
      if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
      return r.stdout.toString();
    },
    objects: async (uid) => {
      const labelSelector = managedSelector({ [POD_UID_LABEL]: uid });
      return { sandboxes: await runtime.listPodSandboxes({ labelSelector }), containers: await runtime.listContainers({ labelSelector }) };
    },
    waitPod: (name, check, timeoutMs = 20_000, namespace = 'default') =>
      eventually(
        () => {
          const p = pod(name, namespace);
          return p && check(p) ? p : undefined;
        },
        { timeoutMs, intervalMs: 50, what: `pod ${name}` },
      ),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await sup.stop();
      runtime.close();
    },
  };
}

/**
 * A private containerd with a supervisor on it for the enclosing describe block: started in
 * before() (then `ready` gets both, for the suite's own setup), torn down in after().
 */
export function withSupervisor(opts: HarnessOptions, ready: (h: SupervisorHarness, env: ContainerdEnv) => void | Promise<void>): void {
  let env: ContainerdEnv | undefined;
  let h: SupervisorHarness | undefined;
  before(async () => {
    env = await startContainerd();
    h = await startSupervisor(env, opts);
    await ready(h, env);
  });
  after(async () => {
    await h?.stop();
    await env?.down();
  });
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Container status by name (init or app). */
export function cs(p: Pod, name: string) {
  return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].find((c) => c.name === name);
}

export function condition(p: Pod, type: string): string | undefined {
  return p.status?.conditions?.find((c) => c.type === type)?.status;
}

/** A manifest from a spec given as YAML lines under `spec:` (indent 2). */
export function manifest(name: string, spec: string, extraMeta = ''): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n${extraMeta}spec:\n${spec}`;
}

export const BUSYBOX = 'staticlet.local/busybox:1.36';
