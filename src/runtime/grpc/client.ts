import { Channel, credentials, Metadata, status as GrpcStatus, type CallOptions as GrpcCallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { exponentialDelay } from '../backoff.js';
import { DEFAULT_RUNTIME_ENDPOINT, parseEndpoint } from '../endpoint.js';
import { DeadlineExceededError, FailedPreconditionError, fromGrpcError, NotFoundError, UnavailableError } from '../errors.js';
import type * as T from '../types.js';
import * as C from './convert.js';
import { loadContainerdTasks, loadCri, loadRelist, loadSandboxStats, type RelistMethods } from './proto.js';
import type * as W from './wire.js';
import { CRI_API_VERSION } from '../cri-version.js';
import type { ImageServiceClient, RuntimeServiceClient } from './wire.js';

/** What containerd says when a container it would remove still has a task. */
const LEAKED_TASK = /cannot delete running task/;
/** The containerd namespace of its CRI plugin's containers. */
const CONTAINERD_CRI_NAMESPACE = 'k8s.io';

export { CRI_API_VERSION };

export interface CriClientOptions {
  /** `unix:///path` or an absolute path. Default unix:///run/containerd/containerd.sock. */
  endpoint?: string;
  /** Separate ImageService endpoint; defaults to `endpoint`. */
  imageEndpoint?: string;
  /** Deadline for mutating calls (kubelet's runtimeRequestTimeout, default 2 min). */
  runtimeRequestTimeoutMs?: number;
  /** Deadline for Version/Status/List/*Status calls, which a healthy runtime answers at once. */
  shortTimeoutMs?: number;
  /** gRPC reconnect back-off after the socket disappears or the runtime restarts. */
  reconnectBackoffBaseMs?: number;
  reconnectBackoffMaxMs?: number;
  logger?: Logger;
}

export const DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS = 2 * 60_000;
export const DEFAULT_SHORT_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

type Cb<R> = (err: ServiceError | null, res?: R) => void;
type Invoke<R> = (meta: Metadata, opts: GrpcCallOptions, cb: Cb<R>) => ClientUnaryCall;

/** Which deadline a call gets when the caller does not pass one. */
type Budget = 'short' | 'long' | 'none';

function makeChannel(target: string, opts: CriClientOptions): Channel {
  return new Channel(target, credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': opts.reconnectBackoffBaseMs ?? 250,
    // A reconnect attempt is one connect() on a local socket: cheap enough to make every second,
    // so that a restarted runtime is in use again within a second rather than five.
    'grpc.max_reconnect_backoff_ms': opts.reconnectBackoffMaxMs ?? 1_000,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // A local socket needs no DNS-style service config lookups or channel-level retries;
    // retrying is decided per call below, where idempotency is known.
    'grpc.service_config_disable_resolution': 1,
    'grpc.enable_retries': 0,
  });
}

/**
 * RuntimeClient over CRI v1 gRPC. Channels connect lazily and reconnect on their own; every call
 * waits for the channel to become ready (bounded by its deadline), so a runtime restart is
 * absorbed instead of surfacing as an error. Read-only calls are also retried when the
 * connection drops mid-call; mutating calls are not, since the runtime may have acted on them.
 */
export class CriClient implements T.RuntimeClient {
  readonly endpoint: string;
  readonly imageEndpoint: string;
  private readonly rt: RuntimeServiceClient;
  private readonly img: ImageServiceClient;
  /** Parsed on first use: only `staticlet run` relists. */
  private get relist(): RelistMethods {
    return loadRelist();
  }
  private readonly channels: Channel[];
  private readonly longMs: number;
  private readonly shortMs: number;
  private readonly log: Logger | undefined;

  constructor(opts: CriClientOptions = {}) {
    const rtEp = parseEndpoint(opts.endpoint || DEFAULT_RUNTIME_ENDPOINT);
    const imgEp = opts.imageEndpoint ? parseEndpoint(opts.imageEndpoint) : rtEp;
    this.endpoint = rtEp.endpoint;
    this.imageEndpoint = imgEp.endpoint;
    this.longMs = opts.runtimeRequestTimeoutMs ?? DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS;
    this.shortMs = opts.shortTimeoutMs ?? DEFAULT_SHORT_TIMEOUT_MS;
    this.log = opts.logger;

    const cri = loadCri().runtime.v1;
    const rtChannel = makeChannel(rtEp.grpcTarget, opts);
    const imgChannel = imgEp.socketPath === rtEp.socketPath ? rtChannel : makeChannel(imgEp.grpcTarget, opts);
    this.channels = imgChannel === rtChannel ? [rtChannel] : [rtChannel, imgChannel];
    this.rt = new cri.RuntimeService(rtEp.grpcTarget, credentials.createInsecure(), { channelOverride: rtChannel });
    this.img = new cri.ImageService(imgEp.grpcTarget, credentials.createInsecure(), { channelOverride: imgChannel });
  }

  close(): void {
    this.rt.close();
    this.img.close();
    for (const ch of this.channels) ch.close();
  }

  // ---- call machinery ----

  private async call<R>(op: string, budget: Budget, idempotent: boolean, opts: T.CallOptions | undefined, invoke: Invoke<R>): Promise<R> {
    const timeoutMs = opts?.timeoutMs ?? (budget === 'short' ? this.shortMs : budget === 'long' ? this.longMs : undefined);
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(op, invoke, deadline, opts?.signal);
      } catch (err) {
        const e = fromGrpcError(op, err);
        const retryable = idempotent && e instanceof UnavailableError && !opts?.signal?.aborted;
        const pause = exponentialDelay(attempt, 50, 1_000);
        if (!retryable || (deadline !== undefined && Date.now() + pause >= deadline)) {
          if (e instanceof DeadlineExceededError && timeoutMs !== undefined) {
            throw new DeadlineExceededError(op, `${e.details} (deadline ${timeoutMs} ms)`, e.grpcCode, { cause: err });
          }
          throw e;
        }
        this.log?.debug({ op, attempt, err: e.details }, 'runtime unavailable, retrying');
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  private once<R>(op: string, invoke: Invoke<R>, deadline: number | undefined, signal: AbortSignal | undefined): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) {
        reject(fromGrpcError(op, Object.assign(new Error('aborted by caller'), { code: GrpcStatus.CANCELLED, details: 'aborted by caller' })));
        return;
      }
      const callOpts: GrpcCallOptions = { waitForReady: true } as GrpcCallOptions;
      if (deadline !== undefined) callOpts.deadline = deadline;
      const call = invoke(new Metadata(), callOpts, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res as R);
      });
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- RuntimeService ----

  async version(opts?: T.CallOptions): Promise<T.RuntimeVersion> {
    const r = await this.call<W.VersionResponse__Output>('Version', 'short', true, opts, (m, o, cb) => this.rt.Version({ version: CRI_API_VERSION }, m, o, cb));
    return { version: r.version, runtimeName: r.runtime_name, runtimeVersion: r.runtime_version, runtimeApiVersion: r.runtime_api_version };
  }

  async status(verbose = false, opts?: T.CallOptions): Promise<T.RuntimeStatus> {
    const r = await this.call<W.StatusResponse__Output>('Status', 'short', true, opts, (m, o, cb) => this.rt.Status({ verbose }, m, o, cb));
    return {
      conditions: (r.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
      info: r.info,
    };
  }

  async runPodSandbox(config: T.PodSandboxConfig, runtimeHandler = '', opts?: T.CallOptions): Promise<string> {
    const req = { config: C.podSandboxConfig(config), runtime_handler: runtimeHandler };
    const r = await this.call<W.RunPodSandboxResponse__Output>('RunPodSandbox', 'long', false, opts, (m, o, cb) => this.rt.RunPodSandbox(req, m, o, cb));
    return r.pod_sandbox_id;
  }

  async stopPodSandbox(podSandboxId: string, opts?: T.CallOptions): Promise<void> {
    // Stop is idempotent by CRI contract, so it is safe to repeat after a dropped connection.
    await this.call<W.StopPodSandboxResponse__Output>('StopPodSandbox', 'long', true, opts, (m, o, cb) => this.rt.StopPodSandbox({ pod_sandbox_id: podSandboxId }, m, o, cb));
  }

  async removePodSandbox(podSandboxId: string, opts?: T.CallOptions): Promise<void> {
    await this.call<W.RemovePodSandboxResponse__Output>('RemovePodSandbox', 'long', true, opts, (m, o, cb) => this.rt.RemovePodSandbox({ pod_sandbox_id: podSandboxId }, m, o, cb));
  }

  async podSandboxStatus(podSandboxId: string, opts?: T.CallOptions): Promise<T.PodSandboxStatus> {
    const r = await this.call<W.PodSandboxStatusResponse__Output>('PodSandboxStatus', 'short', true, opts, (m, o, cb) =>
      this.rt.PodSandboxStatus({ pod_sandbox_id: podSandboxId, verbose: false }, m, o, cb),
    );
    if (!r.status) throw fromGrpcError('PodSandboxStatus', { code: GrpcStatus.NOT_FOUND, details: `no status for sandbox ${podSandboxId}`, message: '' });
    return C.podSandboxStatus(r.status);
  }

  async listPodSandboxes(filter?: T.PodSandboxFilter, opts?: T.CallOptions): Promise<T.PodSandbox[]> {
    const r = await this.call<W.ListPodSandboxResponse__Output>('ListPodSandbox', 'short', true, opts, (m, o, cb) => this.rt.ListPodSandbox({ filter: C.podSandboxFilter(filter) }, m, o, cb));
    return r.items.map(C.podSandbox);
  }

  async listPodSandboxBriefs(filter?: T.PodSandboxFilter, opts?: T.CallOptions): Promise<T.PodSandboxBrief[]> {
    const m = this.relist.ListPodSandbox;
    const r = await this.call<W.SandboxStates__Output>('ListPodSandbox', 'short', true, opts, (meta, o, cb) =>
      this.rt.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { filter: C.podSandboxFilter(filter) }, meta, o, cb),
    );
    return r.items.map(C.podSandboxBrief);
  }

  async createContainer(podSandboxId: string, config: T.ContainerConfig, sandboxConfig: T.PodSandboxConfig, opts?: T.CallOptions): Promise<string> {
    const req = { pod_sandbox_id: podSandboxId, config: C.containerConfig(config), sandbox_config: C.podSandboxConfig(sandboxConfig) };
    const r = await this.call<W.CreateContainerResponse__Output>('CreateContainer', 'long', false, opts, (m, o, cb) => this.rt.CreateContainer(req, m, o, cb));
    return r.container_id;
  }

  async startContainer(containerId: string, opts?: T.CallOptions): Promise<void> {
    await this.call<W.StartContainerResponse__Output>('StartContainer', 'long', false, opts, (m, o, cb) => this.rt.StartContainer({ container_id: containerId }, m, o, cb));
  }

  async stopContainer(containerId: string, timeoutSeconds: number, opts?: T.CallOptions): Promise<void> {
    // The grace period runs inside the call, so the deadline must cover it.
    const o2 = opts?.timeoutMs === undefined ? { ...opts, timeoutMs: this.longMs + timeoutSeconds * 1000 } : opts;
    await this.call<W.StopContainerResponse__Output>('StopContainer', 'long', true, o2, (m, o, cb) => this.rt.StopContainer({ container_id: containerId, timeout: timeoutSeconds }, m, o, cb));
  }

  async removeContainer(containerId: string, opts?: T.CallOptions): Promise<void> {
    const remove = () => this.call<W.RemoveContainerResponse__Output>('RemoveContainer', 'long', true, opts, (m, o, cb) => this.rt.RemoveContainer({ container_id: containerId }, m, o, cb));
    try {
      await remove();
    } catch (err) {
      if (!(err instanceof FailedPreconditionError && LEAKED_TASK.test(err.message))) throw err;
      // A container CRI believes is not running can only be refused so when containerd kept
      // its task: see endLeakedTask. One CRI says runs is stopped by RemoveContainer itself.
      if ((await this.containerStatus(containerId, opts)).state === 'running') throw err;
      await this.endLeakedTask(containerId);
      await remove();
    }
  }

  /**
   * containerd 1.6 can keep the task of a container whose StartContainer was cut short (the
   * caller died, or the deadline passed, while containerd was creating the task): CRI marks the
   * container exited (StartError, no start time) but the task stays, CREATED with runc's init
   * waiting, and every RemoveContainer is refused with "cannot delete running task". CRI has no
   * call that ends a task it has forgotten, so containerd's own task service, in the namespace
   * of its CRI plugin, is asked to: SIGKILL, then delete once it has stopped. The SIGKILL churn
   * drill found this in about one round in a hundred (test/integration/drills/).
   */
  private async endLeakedTask(containerId: string): Promise<void> {
    const m = loadContainerdTasks();
    const onTasks = <Req>(op: string, method: { path: string; requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => object }, req: Req) =>
      this.call<object>(op, 'short', true, undefined, (meta, o, cb) => {
        meta.set('containerd-namespace', CONTAINERD_CRI_NAMESPACE);
        return this.rt.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, req, meta, o, cb);
      });
    this.log?.warn({ containerId }, 'containerd kept the task of a container whose start failed; killing and deleting it');
    await onTasks('Tasks.Kill', m.Kill, { container_id: containerId, signal: 9, all: true }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
    // Deletion is refused until the kill has landed ("task must be stopped before deletion").
    for (let attempt = 0; ; attempt++) {
      try {
        await onTasks('Tasks.Delete', m.Delete, { container_id: containerId });
        return;
      } catch (err) {
        if (err instanceof NotFoundError) return;
        if (!(err instanceof FailedPreconditionError) || attempt >= 40) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async listContainers(filter?: T.ContainerFilter, opts?: T.CallOptions): Promise<T.Container[]> {
    const r = await this.call<W.ListContainersResponse__Output>('ListContainers', 'short', true, opts, (m, o, cb) => this.rt.ListContainers({ filter: C.containerFilter(filter) }, m, o, cb));
    return r.containers.map(C.container);
  }

  async listContainerBriefs(filter?: T.ContainerFilter, opts?: T.CallOptions): Promise<T.ContainerBrief[]> {
    const m = this.relist.ListContainers;
    const r = await this.call<W.ContainerStates__Output>('ListContainers', 'short', true, opts, (meta, o, cb) =>
      this.rt.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { filter: C.containerFilter(filter) }, meta, o, cb),
    );
    return r.containers.map(C.containerBrief);
  }

  async containerStatus(containerId: string, opts?: T.CallOptions): Promise<T.ContainerStatus> {
    const r = await this.call<W.ContainerStatusResponse__Output>('ContainerStatus', 'short', true, opts, (m, o, cb) =>
      this.rt.ContainerStatus({ container_id: containerId, verbose: false }, m, o, cb),
    );
    if (!r.status) throw fromGrpcError('ContainerStatus', { code: GrpcStatus.NOT_FOUND, details: `no status for container ${containerId}`, message: '' });
    return C.containerStatus(r.status);
  }

  async updateContainerResources(containerId: string, resources: T.LinuxContainerResources, opts?: T.CallOptions): Promise<void> {
    const req = { container_id: containerId, linux: C.linuxResources(resources) };
    await this.call<W.UpdateContainerResourcesResponse__Output>('UpdateContainerResources', 'long', true, opts, (m, o, cb) => this.rt.UpdateContainerResources(req, m, o, cb));
  }

  async reopenContainerLog(containerId: string, opts?: T.CallOptions): Promise<void> {
    await this.call<W.ReopenContainerLogResponse__Output>('ReopenContainerLog', 'long', true, opts, (m, o, cb) => this.rt.ReopenContainerLog({ container_id: containerId }, m, o, cb));
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number, opts?: T.CallOptions): Promise<T.ExecResult> {
    // As in the kubelet: the exec's own timeout plus the request timeout, or none at all.
    const o2 = opts?.timeoutMs !== undefined ? opts : { ...opts, timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.longMs : undefined };
    const budget: Budget = o2.timeoutMs === undefined ? 'none' : 'long';
    const r = await this.call<W.ExecSyncResponse__Output>('ExecSync', budget, false, o2, (m, o, cb) =>
      this.rt.ExecSync({ container_id: containerId, cmd, timeout: timeoutSeconds }, m, o, cb),
    );
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exit_code };
  }

  async containerStats(containerId: string, opts?: T.CallOptions): Promise<T.ContainerStats> {
    const r = await this.call<W.ContainerStatsResponse__Output>('ContainerStats', 'short', true, opts, (m, o, cb) => this.rt.ContainerStats({ container_id: containerId }, m, o, cb));
    if (!r.stats) throw fromGrpcError('ContainerStats', { code: GrpcStatus.NOT_FOUND, details: `no stats for container ${containerId}`, message: '' });
    return C.containerStats(r.stats);
  }

  async listContainerStats(filter?: T.ContainerStatsFilter, opts?: T.CallOptions): Promise<T.ContainerStats[]> {
    const r = await this.call<W.ListContainerStatsResponse__Output>('ListContainerStats', 'short', true, opts, (m, o, cb) =>
      this.rt.ListContainerStats({ filter: C.containerStatsFilter(filter) }, m, o, cb),
    );
    return r.stats.map(C.containerStats);
  }

  async listPodSandboxStats(filter?: { id?: string; labelSelector?: T.Labels }, opts?: T.CallOptions): Promise<T.PodSandboxStats[]> {
    const m = loadSandboxStats();
    const req = { filter: filter ? { id: filter.id ?? '', label_selector: filter.labelSelector ?? {} } : null };
    const r = await this.call<W.ListPodSandboxStatsResponse__Output>('ListPodSandboxStats', 'short', true, opts, (meta, o, cb) =>
      this.rt.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, meta, o, cb),
    );
    return r.stats.map(C.podSandboxStats);
  }

  // ---- ImageService ----

  async listImages(image?: string, opts?: T.CallOptions): Promise<T.Image[]> {
    const filter = image ? { image: { image } } : null;
    const r = await this.call<W.ListImagesResponse__Output>('ListImages', 'short', true, opts, (m, o, cb) => this.img.ListImages({ filter }, m, o, cb));
    return r.images.map(C.image);
  }

  async imageStatus(image: string, opts?: T.CallOptions): Promise<T.Image | null> {
    const r = await this.call<W.ImageStatusResponse__Output>('ImageStatus', 'short', true, opts, (m, o, cb) => this.img.ImageStatus({ image: { image }, verbose: false }, m, o, cb));
    // CRI signals "absent" with an empty response rather than NOT_FOUND.
    return r.image && r.image.id ? C.image(r.image) : null;
  }

  async pullImage(image: string, auth?: T.AuthConfig, sandboxConfig?: T.PodSandboxConfig, opts?: T.CallOptions): Promise<string> {
    const req = {
      image: { image },
      auth: C.authConfig(auth),
      sandbox_config: sandboxConfig ? C.podSandboxConfig(sandboxConfig) : null,
    };
    const r = await this.call<W.PullImageResponse__Output>('PullImage', 'long', false, opts, (m, o, cb) => this.img.PullImage(req, m, o, cb));
    return r.image_ref;
  }

  async removeImage(image: string, opts?: T.CallOptions): Promise<void> {
    await this.call<W.RemoveImageResponse__Output>('RemoveImage', 'long', true, opts, (m, o, cb) => this.img.RemoveImage({ image: { image } }, m, o, cb));
  }

  async imageFsInfo(opts?: T.CallOptions): Promise<T.ImageFsInfo> {
    const r = await this.call<W.ImageFsInfoResponse__Output>('ImageFsInfo', 'short', true, opts, (m, o, cb) => this.img.ImageFsInfo({}, m, o, cb));
    return { imageFilesystems: r.image_filesystems.map(C.filesystemUsage), containerFilesystems: r.container_filesystems.map(C.filesystemUsage) };
  }
}
