import { resolve } from 'node:path';
import type { Pod } from '../api/generated/core-v1.js';
import type { Logger } from '../logging/logger.js';
import { DesiredState, type DesiredChange, type DesiredStateView } from '../config/desired-state.js';
import { formatManifestError, ManifestLoader } from '../config/manifest.js';
import { hostAppArmorEnabled } from '../validation/rules/security.js';
import { ConfigPipeline } from '../config/pipeline.js';
import { SchemaHolder } from '../config/schema-provider.js';
import type { Settings } from '../config/settings.js';
import type { RotationPolicy } from '../logs/rotation.js';
import { parseQuantity, scaledValue } from '../validation/index.js';
import { EventLog } from '../events/index.js';
import type { PodEvent } from '../events/types.js';
import { isSafePathComponent } from '../lib/path-component.js';
import { readHostResolver } from '../pods/dns.js';
import { podLogDir } from '../pods/log-paths.js';
import { sleep } from '../pods/hooks.js';
import { DEFAULT_MAX_CONCURRENT_SYNCS, PodManager } from '../pods/manager.js';
import { observeAll } from '../pods/observe.js';
import { runProbe } from '../probes/handlers/index.js';
import { ProberManager } from '../probes/manager.js';
import { connectRuntime, ImageManager, KeyedBackoff, type RuntimeClient, type RuntimeVersion } from '../runtime/index.js';
import { StatusSocketServer } from '../server/index.js';
import { NodeApiServer, type NodeApiAddresses } from '../server/node-api/index.js';
import { syncLoopFailure, syncLoopThresholdMs } from '../server/node-api/routes/healthz.js';
import { kubeletConfigz } from '../config/configz.js';
import { addInto, formatAmounts, nodeLabels, PodAdmitter, podLimits, podRequests, readNodeResources, type Amounts, type NodeAdmissionSummary, type NodeResources } from '../admission/index.js';
import { readMachineInfo, type MachineInfo } from '../node/machine.js';
import { computeNode, nodeFacts, probeRuntime, type NodeJson } from '../node/node-object.js';
import type { NodeDescription, NodePodView, PlanBasis, RejectionView, StatusProvider } from '../server/types.js';
import { DirectorySource, type DirectoryFs } from '../sources/directory.js';
import { defaultTrustPolicy } from '../safepath/index.js';
import { secureStateDirs } from '../volumes/paths.js';
import { VerdictFile } from '../probes/verdict-file.js';
import { UrlSource } from '../sources/url.js';
import { RejectionLog } from './rejection-log.js';
import type { ManifestSource } from '../sources/types.js';
import { createControlPlane, type ControlPlane, type ControlPlaneView } from '../controlplane/index.js';
import { NodeMetrics, type MetricsEndpoint, type MetricsText } from '../metrics/index.js';
import { instrumentRuntime } from '../runtime/metrics.js';
import { StatsProvider, type Summary, type SummaryOptions } from '../stats/index.js';
import type { StartBreakdown } from '../pods/start-phases.js';
import { Housekeeping } from '../housekeeping/index.js';

export interface SupervisorOptions {
  /** A runtime to use instead of connecting to settings.containerRuntimeEndpoint (tests). */
  runtime?: RuntimeClient;
  /** Runtime relist period; the kubelet's PLEG uses 1 s. */
  relistPeriodMs?: number;
  /** How often container logs are checked for rotation (the kubelet's 10 s). */
  logRotationPeriodMs?: number;
  /** Serve the local status socket (default true). */
  statusSocket?: boolean;
  /** Serve the node HTTPS API and the healthz port (default true; the test harness turns it off unless asked). */
  nodeApi?: boolean;
  /** Test hook: file system calls of the --pod-manifest-path source, to inject read failures. */
  testManifestPathFs?: Partial<DirectoryFs>;
}

/** How long to wait between attempts to reach a runtime that is not up yet. */
const RUNTIME_RETRY_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * Composition root of `staticlet run`: sources feed the desired state, the pod manager
 * reconciles it against the runtime, the status socket shows the result. A runtime that is not
 * up yet is waited for (boot order should not matter); manifests are read meanwhile.
 */
export class Supervisor implements StatusProvider {
  readonly desired: DesiredStateView;
  readonly eventLog: EventLog;
  private readonly state: DesiredState;
  private readonly pipeline: ConfigPipeline;
  /** The bundled Pod schema, until the control plane supplies the cluster's. */
  readonly schema = new SchemaHolder();
  private readonly sources: ManifestSource[] = [];
  private runtime: RuntimeClient | undefined;
  private manager: PodManager | undefined;
  private prober: ProberManager | undefined;
  private verdicts: VerdictFile | undefined;
  private admission: PodAdmitter | undefined;
  private nodeResources: NodeResources | undefined;
  private machineInfo: Promise<MachineInfo> | undefined;
  /** The last Node computed for `staticlet node` without an API server: transition times carry over. */
  private lastNode: NodeJson | undefined;
  private readonly statusServer: StatusSocketServer;
  private readonly nodeApi: NodeApiServer | undefined;
  private connecting: Promise<void> | undefined;
  private stopping = false;
  private readonly stopSignal = new AbortController();
  private readonly rejectionLog: RejectionLog;
  private controlPlane: ControlPlane | undefined;
  /** Who hears of pod changes (the control plane's mirror pods and status). */
  private readonly podListeners = new Set<(uid: string) => void>();
  private controlPlaneStarting: Promise<void> | undefined;
  /** This supervisor's metrics, on registries of its own (the node API serves them). */
  readonly metrics: NodeMetrics;
  private stats: StatsProvider | undefined;
  private markAdopted: () => void = () => undefined;
  /**
   * Settles once every source has listed and the pods the runtime was running are adopted (the
   * pod manager started from the runtime's listing): what systemd's READY=1 waits for. New pods
   * pulling images or crash-looping do not hold it back.
   */
  readonly adopted: Promise<void> = new Promise((r) => (this.markAdopted = r));
  /** GC, log retention, orphaned directories and the pressure monitor, once the pod manager runs. */
  private housekeeping: Housekeeping | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly logger: Logger,
    private readonly options: SupervisorOptions = {},
  ) {
    if (settings.staticPodPath) {
      this.sources.push(
        new DirectorySource({
          path: settings.staticPodPath,
          logger,
          maxBytes: settings.maxManifestBytes,
          rescanMs: settings.fileCheckFrequencyMs,
          trust: { policy: defaultTrustPolicy(), allowInsecure: settings.allowInsecureManifests },
          ...(options.testManifestPathFs ? { fs: options.testManifestPathFs } : {}),
        }),
      );
    }
    if (settings.staticPodURL) {
      this.sources.push(
        new UrlSource({ url: settings.staticPodURL, headers: settings.staticPodURLHeader, logger, maxBytes: settings.maxManifestBytes, pollMs: settings.httpCheckFrequencyMs }),
      );
    }
    this.state = new DesiredState(this.sources.map((s) => s.name));
    this.desired = this.state;
    this.eventLog = new EventLog({ host: settings.nodeName, logger });
    this.pipeline = new ConfigPipeline(new ManifestLoader({ nodeName: settings.nodeName, maxBytes: settings.maxManifestBytes, validation: { allowedUnsafeSysctls: settings.allowedUnsafeSysctls, appArmorEnabled: hostAppArmorEnabled() }, schema: this.schema }), this.state, logger);
    this.rejectionLog = new RejectionLog(logger);
    this.state.subscribe((changes) => changes.forEach((c) => this.logChange(c)));
    this.statusServer = new StatusSocketServer(this, logger);
    this.metrics = new NodeMetrics({
      nodeName: settings.nodeName,
      sources: {
        rejections: () => this.state.rejections(),
        mirrorPods: () => this.controlPlane?.view().mirrorPods?.count,
      },
    });
    if (options.nodeApi !== false) {
      this.nodeApi = new NodeApiServer(
        {
          address: settings.address,
          port: settings.port,
          readOnlyPort: settings.readOnlyPort,
          healthzBindAddress: settings.healthzBindAddress,
          healthzPort: settings.healthzPort,
          enableServer: settings.enableServer,
          certDir: settings.certDir,
          ...(settings.tlsCertFile ? { tlsCertFile: settings.tlsCertFile } : {}),
          ...(settings.tlsPrivateKeyFile ? { tlsPrivateKeyFile: settings.tlsPrivateKeyFile } : {}),
          ...(settings.tlsMinVersion ? { tlsMinVersion: settings.tlsMinVersion } : {}),
          tlsCipherSuites: settings.tlsCipherSuites,
          authentication: settings.authentication,
          authorization: settings.authorization,
          enableDebuggingHandlers: settings.enableDebuggingHandlers,
          hostnames: [settings.nodeName, settings.nodeIP],
          syncFrequencyMs: settings.syncFrequencyMs,
        },
        {
          nodeName: settings.nodeName,
          listPods: () => this.listPods(),
          getPod: (namespace, name) => this.getPod(namespace, name),
          podLogDirectory: (pod) => this.podLogDirectory(pod),
          runtime: () => this.runtime,
          reviewer: () => this.controlPlane?.reviewer?.(),
          configz: () => kubeletConfigz(settings),
          lastSyncLoop: () => this.manager?.lastSyncLoop,
          runTimeoutSeconds: Math.max(1, Math.ceil(settings.runtimeRequestTimeoutMs / 1000)),
          metricsText: (which) => this.metricsText(which),
          summary: (opts) => this.summary(opts),
          observeHttpRequest: (r) => this.metrics.observeHttpRequest(r),
        },
        logger,
      );
    }
  }

  /** Where the node API listens, once started (tests use port 0). */
  get nodeApiAddresses(): NodeApiAddresses {
    return this.nodeApi?.addresses ?? {};
  }

  /** What `/metrics`, `/metrics/probes` and `/metrics/resource` answer. */
  metricsText(which: MetricsEndpoint): Promise<MetricsText> {
    return this.metrics.metricsText(which);
  }

  /** The Summary API; undefined until the runtime has answered. */
  async summary(opts: SummaryOptions = {}): Promise<Summary | undefined> {
    return this.stats?.summary(opts);
  }

  /** Where a pod's last start went, phase by phase. */
  startPhases(uid: string): StartBreakdown | undefined {
    return this.manager?.startBreakdown(uid);
  }

  /** The prober, once the runtime answered (probe counts, scheduling lateness). */
  get probes(): ProberManager | undefined {
    return this.prober;
  }

  async start(): Promise<void> {
    if (this.sources.length === 0) {
      this.logger.warn('no manifest source configured (--pod-manifest-path / staticPodPath, --manifest-url / staticPodURL); nothing to run');
    }
    this.logger.info({ node: this.settings.nodeName, sources: this.sources.map((s) => s.name) }, 'staticlet starting');
    // Pod state (emptyDirs, hosts files, termination logs) is for root and the runtime alone.
    const repaired = await secureStateDirs(this.settings.rootDir);
    if (repaired.length > 0) this.logger.warn({ dirs: repaired }, 'state directories were open to other users; made private (0750)');
    if (this.options.statusSocket !== false) await this.statusServer.start(this.settings.statusSocket);
    // The serving certificate comes from a cluster; without one there is nobody to ask.
    if (this.settings.serverTLSBootstrap && !this.settings.kubeconfig) this.logger.warn('serverTLSBootstrap needs an API server (--kubeconfig); the node API serves its self-signed certificate');
    // Unreadable certificates are fatal; a port that is taken is retried in the background.
    await this.nodeApi?.start();
    // Every source lists once before pods are adopted: an unread manifest must not look deleted.
    // The runtime is reached meanwhile (the first listing validates every manifest, which takes
    // a while at start), so that a restarted supervisor loses no time before it can adopt.
    const listed = (async () => {
      for (const s of this.sources) await this.pipeline.add(s);
    })();
    this.connecting = this.connectAndRun(listed.then(() => true, () => false));
    await listed;
    this.logger.info({ pods: this.state.pods().length, rejected: this.state.rejections().length }, 'initial manifests loaded');
    if (this.options.runtime) await this.connecting;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.pipeline.stop();
    await this.connecting;
    await this.controlPlaneStarting;
    await this.controlPlane?.stop();
    await this.housekeeping?.stop();
    await this.manager?.stop();
    this.prober?.stop();
    await this.verdicts?.flush();
    if (!this.options.runtime) this.runtime?.close();
    await this.statusServer.stop();
    await this.nodeApi?.stop();
    this.logger.info('staticlet stopped; static pods are left running');
  }

  /**
   * Why the sync loop counts as stuck, or undefined: the same signal and rule as
   * /healthz/syncloop. `thresholdMs` replaces the rule's threshold (tests only).
   */
  syncLoopFailure(thresholdMs?: number): string | undefined {
    return syncLoopFailure(this.manager?.lastSyncLoop, thresholdMs ?? syncLoopThresholdMs(this.settings.syncFrequencyMs));
  }

  /** One line for systemd's STATUS=: pods running / waiting, manifests refused. */
  statusLine(): string {
    const refused = this.state.rejections().length;
    if (!this.manager) return `waiting for the container runtime; ${this.state.pods().length} pods desired, ${refused} manifests refused`;
    let running = 0;
    let waiting = 0;
    for (const p of this.manager.listPods()) {
      const phase = p.status?.phase;
      if (phase === 'Running') running++;
      else if (phase === 'Pending' || phase === undefined) waiting++;
    }
    return `${running} pods running, ${waiting} waiting, ${refused} manifests refused`;
  }

  /** Calls `listener` whenever a pod or a manifest changed; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    const pod = (): void => listener();
    this.podListeners.add(pod);
    const off = this.state.subscribe(() => listener());
    return () => {
      this.podListeners.delete(pod);
      off();
    };
  }

  listPods(): Pod[] {
    if (this.manager) return this.manager.listPods();
    // No runtime yet: show what is desired, without status.
    return this.state.pods().map((p) => ({ apiVersion: 'v1', kind: 'Pod', ...p.pod, status: { phase: 'Pending' } }));
  }

  getPod(namespace: string, name: string): Pod | undefined {
    if (this.manager) return this.manager.getPod(namespace, name);
    return this.listPods().find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name);
  }

  podLogDirectory(pod: Pod): string | undefined {
    const m = pod.metadata;
    // An orphan's UID comes from runtime labels: one that cannot name a directory has none.
    return m?.uid && m.name && isSafePathComponent(m.uid) ? podLogDir(this.settings.podLogsDir, m.namespace ?? 'default', m.name, m.uid) : undefined;
  }

  events(uid: string): PodEvent[] {
    return this.eventLog.list(uid);
  }

  /** Node capacity, allocatable and what admitted pods request; undefined until the runtime is up. */
  node(): NodeAdmissionSummary | undefined {
    return this.admission?.summary();
  }

  /**
   * The Node as staticlet computes it now, like kubectl describe node shows it: over the API
   * server's copy when registered, else over the last one computed here; with the admitted pods
   * that have not terminated and what they request and limit.
   */
  async describeNode(): Promise<NodeDescription | undefined> {
    const summary = this.admission?.summary();
    const runtime = this.runtime;
    if (!summary || !runtime || !this.nodeResources) return undefined;
    const machine = await (this.machineInfo ??= readMachineInfo());
    const facts = nodeFacts(this.settings, machine, this.nodeResources);
    const probed = await probeRuntime(runtime, 3_000);
    const rt = this.housekeeping ? { ...probed, pressure: this.housekeeping.pressure() } : probed;
    const registered = this.controlPlane?.node?.();
    const node = computeNode(facts, rt, registered ?? this.lastNode, Date.now());
    if (!registered) this.lastNode = node;
    const waiting = new Set(summary.waiting.map((w) => w.uid));
    const pods: NodePodView[] = [];
    const limits: Amounts = {};
    for (const p of this.listPods()) {
      const phase = p.status?.phase;
      if (!p.spec || phase === 'Succeeded' || phase === 'Failed' || waiting.has(p.metadata?.uid ?? '')) continue;
      const l = podLimits(p.spec);
      addInto(limits, l);
      pods.push({
        namespace: p.metadata?.namespace ?? 'default',
        name: p.metadata?.name ?? '',
        requests: formatAmounts(podRequests(p.spec)),
        limits: formatAmounts(l),
        ...(p.metadata?.creationTimestamp ? { creationTimestamp: String(p.metadata.creationTimestamp) } : {}),
      });
    }
    pods.sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
    return { ...summary, node, pods, limits: formatAmounts(limits), controlPlane: this.controlPlaneView(), ...(this.housekeeping ? { housekeeping: this.housekeeping.view() } : {}) };
  }

  /** The API-server side (registration, Lease, node status); standalone until the runtime is up. */
  controlPlaneView(): ControlPlaneView {
    return this.controlPlane?.view() ?? { mode: this.settings.kubeconfig ? 'api-server' : 'standalone' };
  }

  /** Housekeeping (GC jobs, pressure monitor), once the pod manager runs (tests trigger jobs). */
  get housekeepingInstance(): Housekeeping | undefined {
    return this.housekeeping;
  }

  /** The control plane itself, once created (tests read its counters). */
  get controlPlaneInstance(): ControlPlane | undefined {
    return this.controlPlane;
  }

  ignoredManifests(): string[] {
    return this.sources.flatMap((s) => (s instanceof DirectorySource ? s.ignoredFiles() : []));
  }

  /** `staticlet plan` loads manifests with these settings and compares them with these pods. */
  planBasis(): PlanBasis {
    const s = this.settings;
    return {
      nodeName: s.nodeName,
      ...(s.staticPodPath ? { manifestPath: resolve(s.staticPodPath) } : {}),
      maxManifestBytes: s.maxManifestBytes,
      allowedUnsafeSysctls: s.allowedUnsafeSysctls,
      appArmorEnabled: hostAppArmorEnabled(),
      schema: this.schema.current().origin,
      pods: this.state.pods().map((p) => ({ source: p.source, uid: p.uid, fullName: p.fullName, pod: p.pod })),
    };
  }

  rejections(): RejectionView[] {
    return this.state.rejections().map((r) => ({
      source: r.source.location,
      errors: r.errors.map(formatManifestError),
      since: r.since,
      keptPods: r.keptPods.map((uid) => this.state.pod(uid)?.fullName ?? uid),
    }));
  }

  /** `listed` settles once every source has had its first listing (false: start() failed). */
  private async connectAndRun(listed: Promise<boolean>): Promise<void> {
    const connected = this.options.runtime ? { client: this.options.runtime, version: undefined } : await this.connect();
    if (!connected) return;
    // Held from here, so that stop() closes it whenever it comes. Everything else uses it
    // through the metrics wrapper (kubelet_runtime_operations_*).
    this.runtime = connected.client;
    const runtime = instrumentRuntime(connected.client, this.metrics.runtime);
    const stats = (this.stats = new StatsProvider({ nodeName: this.settings.nodeName, runtime, rootDir: this.settings.rootDir }));
    this.metrics.setSources({ summary: () => stats.summary({ onlyCpuAndMemory: true }) });
    // What the runtime holds is observed while the manifests are still being read: the pod
    // manager's first syncs then start from it (pods/observe.ts says when it may be trusted).
    const early = observeAll(runtime, DEFAULT_MAX_CONCURRENT_SYNCS).catch((err: unknown) => {
      this.logger.debug({ err: (err as Error).message }, 'early runtime observation failed; pods are observed at their first sync');
      return undefined;
    });
    if (!(await listed) || this.stopping) return;
    // Desired pods start now; a pod the runtime holds that no manifest asks for is torn down only
    // once the source it came from has listed (pods/worker.ts): a manifest path that cannot be
    // read yet (EACCES, EMFILE) or a URL that is down must not make its running pods orphans.
    if (!this.state.ready()) this.logger.warn('a manifest source has not listed yet; the running pods it may own are left alone until it has');
    const s = this.settings;
    const version = connected.version ?? (await runtime.version().catch(() => undefined));
    // The prober and the pod manager call each other: probes condemn containers, workers
    // report running instances. The closures resolve `manager` once it exists.
    let manager: PodManager | undefined;
    // Every desired pod is a candidate, so a batch read at once is admitted oldest first.
    const nodeResources = await readNodeResources(s);
    this.nodeResources = nodeResources;
    this.admission = new PodAdmitter({
      node: nodeResources,
      candidates: () => this.state.pods(),
      nodeName: s.nodeName,
      nodeLabels: nodeLabels(s.nodeName, s.nodeLabels),
    });
    // The control plane needs the runtime's answers for Ready, and nothing of the pod core waits for it.
    this.controlPlaneStarting = this.startControlPlane(runtime, nodeResources);
    // Verdicts saved by the previous run: adopted containers stay started and ready across a restart.
    this.verdicts = await VerdictFile.open(s.rootDir, this.logger);
    this.prober = new ProberManager({
      verdicts: this.verdicts,
      runtime,
      run: runProbe,
      events: this.eventLog,
      onFailure: (f) => manager?.probeFailed(f),
      onChange: (uid) => manager?.wake(uid),
      metrics: this.metrics.probes,
    });
    manager = this.manager = new PodManager(
      {
        runtime,
        images: new ImageManager(runtime, { logger: this.logger, onPulled: this.metrics.imagePulls }),
        events: this.eventLog,
        node: {
          nodeName: s.nodeName,
          // One figure for admission, resourceFieldRef fallbacks and memory-backed emptyDirs.
          allocatable: formatAmounts(nodeResources.allocatable),
          hostIP: s.nodeIP,
          rootDir: s.rootDir,
          podLogsDir: s.podLogsDir,
          containerLogLinksDir: s.containerLogLinksDir,
          clusterDNS: s.clusterDNS,
          ...(s.clusterDomain ? { clusterDomain: s.clusterDomain } : {}),
          resolvConf: s.resolvConf,
          runtimeName: version?.runtimeName || 'containerd',
        },
        crashBackoff: new KeyedBackoff({ baseMs: s.crashLoopBackoffBaseMs, maxMs: s.crashLoopBackoffMaxMs }),
        logger: this.logger,
        hostResolver: () => readHostResolver(s.resolvConf),
        probes: this.prober,
        admission: this.admission,
        metrics: this.metrics.pods,
        now: Date.now,
      },
      this.state,
      {
        resyncPeriodMs: s.syncFrequencyMs,
        onPodChange: (uid) => this.podListeners.forEach((l) => l(uid)),
        ...(this.options.relistPeriodMs ? { relistPeriodMs: this.options.relistPeriodMs } : {}),
        ...logRotation(s, this.options.logRotationPeriodMs),
      },
    );
    const started = this.manager;
    this.metrics.setSources({ pods: () => started });
    await this.manager.start(await early);
    this.logger.info({ pods: this.state.pods().length }, 'pod manager started');
    this.markAdopted();
    if (this.stopping) return;
    // After the workers exist: the directory and log sweeps keep whatever a worker holds.
    this.housekeeping = new Housekeeping({
      settings: {
        rootDir: s.rootDir,
        podLogsDir: s.podLogsDir,
        podLogRetentionMs: s.podLogRetentionMs,
        imageGC: s.imageGC,
        containerGC: { minAgeMs: 0 },
        thresholds: s.evictionThresholds,
        pressureTransitionPeriodMs: s.evictionPressureTransitionPeriodMs,
        schedules: s.housekeepingSchedules,
      },
      runtime,
      logger: this.logger,
      livePods: () => manager?.liveUids() ?? new Set(),
      nodeEvent: (type, reason, message) => this.controlPlane?.nodeEvent?.(type, reason, message),
    });
    this.housekeeping.start();
    const housekeeping = this.housekeeping;
    this.metrics.setSources({ housekeeping: () => housekeeping.view().jobs });
  }

  private async startControlPlane(runtime: RuntimeClient, resources: Awaited<ReturnType<typeof readNodeResources>>): Promise<void> {
    try {
      const cp = await createControlPlane({
        settings: this.settings,
        logger: this.logger,
        runtime,
        resources,
        events: this.eventLog,
        schema: this.schema,
        eventFeed: this.eventLog,
        pressure: () => this.housekeeping?.pressure() ?? { memory: false, disk: false, pid: false },
        // The pod manager comes after the control plane: these read it when called.
        pods: {
          list: () => this.manager?.listPods() ?? [],
          onChange: (listener) => {
            this.podListeners.add(listener);
            return () => this.podListeners.delete(listener);
          },
          terminating: (fullName) => this.manager?.terminating(fullName) ?? false,
        },
      });
      if (this.stopping) return;
      this.controlPlane = cp;
      await cp.start();
      // serverTLSBootstrap: the node API swaps to each serving certificate the cluster issues.
      this.nodeApi?.useServingCertificates(cp.servingCertificates?.());
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'control plane failed to start; static pods run regardless');
    }
  }

  /** Retries until the runtime answers or staticlet stops; logs once per distinct failure. */
  private async connect(): Promise<{ client: RuntimeClient; version: RuntimeVersion } | undefined> {
    let lastError = '';
    this.logger.info({ endpoint: this.settings.containerRuntimeEndpoint }, 'connecting to the container runtime');
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        const hs = await connectRuntime({
          endpoint: this.settings.containerRuntimeEndpoint,
          ...(this.settings.imageServiceEndpoint ? { imageEndpoint: this.settings.imageServiceEndpoint } : {}),
          runtimeRequestTimeoutMs: this.settings.runtimeRequestTimeoutMs,
          logger: this.logger,
        });
        this.logger.info({ runtime: hs.version.runtimeName, version: hs.version.runtimeVersion, networkReady: hs.networkReady }, 'container runtime connected');
        return { client: hs.client, version: hs.version };
      } catch (err) {
        const msg = (err as Error).message;
        if (msg !== lastError) this.logger.warn({ endpoint: this.settings.containerRuntimeEndpoint, err: msg }, 'container runtime not available; retrying');
        lastError = msg;
        await sleep(RUNTIME_RETRY_MS[Math.min(attempt, RUNTIME_RETRY_MS.length - 1)]!, this.stopSignal.signal);
      }
    }
    return undefined;
  }

  private logChange(c: DesiredChange): void {
    const l = this.logger;
    switch (c.type) {
      case 'added':
        l.info({ pod: c.pod.fullName, uid: c.pod.uid, source: c.pod.source.location }, 'pod added');
        break;
      case 'updated':
        l.info({ pod: c.pod.fullName, uid: c.pod.uid, previousUid: c.previous.uid, source: c.pod.source.location }, 'pod updated');
        break;
      case 'removed':
        l.info({ pod: c.pod.fullName, uid: c.pod.uid, source: c.pod.source.location }, 'pod removed');
        break;
      case 'rejected':
        this.rejectionLog.rejected(c.rejection);
        break;
      case 'recovered':
        l.info({ source: c.source.location }, 'manifest accepted again');
        break;
      case 'listed':
        if (this.manager) l.info({ source: c.source }, 'manifest source listed; the pods it no longer holds may go');
        break;
    }
  }
}

/** containerLogMaxSize / containerLogMaxFiles as a rotation policy; a zero size turns it off. */
function logRotation(s: Settings, periodMs: number | undefined): { logRotation?: RotationPolicy & { periodMs?: number } } {
  const q = parseQuantity(s.containerLogMaxSize);
  const maxBytes = q ? Number(scaledValue(q, 0)) : 0;
  if (maxBytes <= 0) return {};
  return { logRotation: { maxBytes, maxFiles: s.containerLogMaxFiles, ...(periodMs ? { periodMs } : {}) } };
}
