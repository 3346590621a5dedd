import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pod } from '../../src/api/generated/core-v1.js';
import { containerConfig, DEFAULT_TERMINATION_MESSAGE_PATH } from '../../src/pods/container-config.js';
import { podManagedMounts } from '../../src/pods/hosts.js';
import { prepareTerminationMessageFile } from '../../src/pods/termination.js';
import type { NodeContext } from '../../src/node/context.js';
import { podDnsConfig, readHostResolver } from '../../src/pods/dns.js';
import { ensurePodLogDir, podLogDir } from '../../src/pods/log-paths.js';
import { sandboxConfig } from '../../src/pods/sandbox-config.js';
import { MANAGED_BY_LABEL, POD_NAMESPACE_LABEL, type CriClient, type DnsConfig, type Labels } from '../../src/runtime/index.js';
import * as convert from '../../src/runtime/grpc/convert.js';
import { loadCri } from '../../src/runtime/grpc/proto.js';
import type * as W from '../../src/runtime/grpc/wire.js';
import { pool } from './wait.js';

type Done<R> = (err: ServiceError | null, res?: R) => void;

const CALL_TIMEOUT_MS = 120_000;

function unary<R>(invoke: (meta: Metadata, opts: { deadline: number }, cb: Done<R>) => void): Promise<R> {
  return new Promise((resolve, reject) => invoke(new Metadata(), { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, res) => (err ? reject(err) : resolve(res as R))));
}

/**
 * What staticlet does for a pod whose image is present, as straight gRPC calls with nothing in
 * between: RunPodSandbox, PodSandboxStatus (for the pod IP), ImageStatus, CreateContainer,
 * StartContainer. The configs (and the files they mount) come from staticlet's own builders, so
 * only orchestration differs.
 */
export class BareCri {
  private readonly rt: W.RuntimeServiceClient;
  private readonly img: W.ImageServiceClient;

  private constructor(
    socket: string,
    private readonly node: NodeContext,
    private readonly dns: (pod: Pod) => DnsConfig,
  ) {
    const cri = loadCri().runtime.v1;
    this.rt = new cri.RuntimeService(`unix://${socket}`, credentials.createInsecure());
    this.img = new cri.ImageService(`unix://${socket}`, credentials.createInsecure());
  }

  static async create(socket: string, node: NodeContext): Promise<BareCri> {
    const host = await readHostResolver(node.resolvConf);
    return new BareCri(socket, node, (pod) => podDnsConfig(pod, node, host));
  }

  /** Starts every container of the pod; resolves with performance.now() when the last StartContainer returned. */
  async startPod(pod: Pod): Promise<number> {
    const meta = pod.metadata!;
    const logDir = podLogDir(this.node.podLogsDir, meta.namespace!, meta.name!, meta.uid!);
    await ensurePodLogDir(logDir);
    const sb = sandboxConfig(pod, 0, this.node, this.dns(pod));
    sb.labels = unmanaged(sb.labels);
    const wsb = convert.podSandboxConfig(sb);
    const run = await unary<W.RunPodSandboxResponse__Output>((m, o, cb) => this.rt.RunPodSandbox({ config: wsb }, m, o, cb));
    const id = run.pod_sandbox_id;
    const st = await unary<W.PodSandboxStatusResponse__Output>((m, o, cb) => this.rt.PodSandboxStatus({ pod_sandbox_id: id, verbose: false }, m, o, cb));
    const podIPs = [st.status?.network?.ip ?? ''].filter(Boolean);
    let startedAt = NaN;
    for (const c of pod.spec!.containers) {
      const image = await unary<W.ImageStatusResponse__Output>((m, o, cb) => this.img.ImageStatus({ image: { image: c.image ?? '' }, verbose: false }, m, o, cb));
      const imageRef = image.image?.id;
      if (!imageRef) throw new Error(`image ${c.image} is not present`);
      await mkdir(join(logDir, c.name), { recursive: true, mode: 0o755 });
      // The same node-managed mounts staticlet adds (its /etc/hosts, the termination-message
      // file), so both sides ask the runtime for the same work.
      const termination = await prepareTerminationMessageFile(this.node, meta.uid!, c.name, 0);
      const extraMounts = [...(await podManagedMounts(pod, this.node, podIPs)), { containerPath: DEFAULT_TERMINATION_MESSAGE_PATH, hostPath: termination, readonly: false }];
      const cfg = await containerConfig({ pod, container: c, restartCount: 0, imageRef, node: this.node, podIPs, volumes: new Map(), extraMounts });
      cfg.labels = unmanaged(cfg.labels);
      const created = await unary<W.CreateContainerResponse__Output>((m, o, cb) =>
        this.rt.CreateContainer({ pod_sandbox_id: id, config: convert.containerConfig(cfg), sandbox_config: wsb }, m, o, cb),
      );
      await unary<W.StartContainerResponse__Output>((m, o, cb) => this.rt.StartContainer({ container_id: created.container_id }, m, o, cb));
      startedAt = performance.now();
    }
    return startedAt;
  }

  close(): void {
    this.rt.close();
    this.img.close();
  }
}

/** The running staticlet would adopt, then kill, anything carrying its managed-by label. */
function unmanaged(labels: Labels | undefined): Labels {
  const { [MANAGED_BY_LABEL]: _mine, ...rest } = labels ?? {};
  return rest;
}

/**
 * Teardown of one namespace: stop (at once by default; cleanup does not care), then remove.
 * bench:lifecycle times it with the manifest's grace period, the one staticlet honours.
 */
export async function removeNamespace(cri: CriClient, namespace: string, width: number, graceSeconds = 0): Promise<void> {
  const labelSelector = { [POD_NAMESPACE_LABEL]: namespace };
  await pool(await cri.listContainers({ labelSelector }), width, async (c) => {
    await cri.stopContainer(c.id, graceSeconds);
    await cri.removeContainer(c.id);
  });
  await pool(await cri.listPodSandboxes({ labelSelector }), width, async (s) => {
    await cri.stopPodSandbox(s.id);
    await cri.removePodSandbox(s.id);
  });
}
