/**
 * The API-server side of staticlet, loaded only with --kubeconfig: registration, then the node
 * status loop; the Lease heartbeat beside them. None of it can hold back a pod: each loop runs
 * on its own, every request has a deadline, failures are retried forever.
 */
import type { ControlPlane, ControlPlaneDeps, ControlPlaneView, Reviewer, ServingCertificateSource } from './index.js';
import { ApiReviewer } from './review.js';
import { readMachineInfo } from '../node/machine.js';
import { FailureGroup, jitterUntil, OnceLogger, Waker } from './backoff.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorText, loadClients, statusCode, type ApiClients, type CredentialSource } from './client.js';
import type { CertificateManager } from './certificate/manager.js';
import type { ServingCertificateManager } from './certificate/serving.js';
import { initialNode, nodeAddresses, nodeFacts, probeRuntime, toJson, type NodeFacts, type NodeJson, type RuntimeFacts } from './node-object.js';
import { LeaseController } from './lease.js';
import { NodeStatusReporter } from './node-status.js';
import { registerNode } from './registration.js';
import { sleep } from '../pods/hooks.js';
import { Backoff, registrationBackoff } from './backoff.js';
import { MirrorPodSync } from './mirror/sync.js';
import { syncClusterSchema } from './cluster-schema.js';
import { EventPublisher } from './events/publisher.js';

export class ApiServerControlPlane implements ControlPlane {
  private readonly stopSignal = new AbortController();
  private loops: Array<Promise<void>> = [];
  private clients: ApiClients | undefined;
  private lease: LeaseController | undefined;
  private status: NodeStatusReporter | undefined;
  private registration: { registered: boolean; error?: string; since?: string } = { registered: false, error: 'not attempted yet' };
  private startError: string | undefined;
  private certificates: CertificateManager | undefined;
  private leaseLog: OnceLogger | undefined;
  private statusLog: OnceLogger | undefined;
  private mirrors: MirrorPodSync | undefined;
  private reviews: Reviewer | undefined;
  /** Loops that share the connection (Lease, node status, mirror pods, events): an outage is logged once. */
  private readonly connection = new FailureGroup();
  /** Pod and node events for the API server; queued from the start, written once there are clients. */
  readonly events: EventPublisher;
  private readonly unsubscribeEvents: (() => void) | undefined;
  private serving: ServingCertificateManager | undefined;

  constructor(private readonly deps: ControlPlaneDeps) {
    this.events = new EventPublisher({ nodeName: deps.settings.nodeName, logger: deps.logger, failures: this.connection });
    // Subscribed now, not once connected: the pod core records from its first moment.
    this.unsubscribeEvents = deps.eventFeed?.subscribe(this.events.pod);
  }

  async start(): Promise<void> {
    const { settings: s, logger } = this.deps;
    // A configured tlsCertFile wins: an operator who names a pair gets that pair. (The kubelet
    // prefers the CSR certificate whenever a client sends SNI, which makes the file's use depend
    // on the client; one rule is easier to reason about.) No secure listener: nothing to serve.
    if (s.serverTLSBootstrap && !s.tlsCertFile && s.enableServer) {
      const { CertStore, SERVING_PREFIX } = await import('./certificate/store.js');
      const { ServingCertificateManager } = await import('./certificate/serving.js');
      this.serving = new ServingCertificateManager({ nodeName: s.nodeName, store: new CertStore(s.certDir, undefined, SERVING_PREFIX), logger });
    } else if (s.serverTLSBootstrap) {
      logger.info({ tlsCertFile: s.tlsCertFile, enableServer: s.enableServer }, 'serverTLSBootstrap: not used (tlsCertFile is set or the secure node API is off)');
    }
    if (s.bootstrapKubeconfig || s.rotateCertificates) return this.startWithCertificates();
    try {
      this.clients = loadClients({
        kubeconfig: s.kubeconfig!,
        qps: s.kubeAPIQPS,
        burst: s.kubeAPIBurst,
        eventQps: s.eventRecordQPS,
        eventBurst: s.eventBurst,
        heartbeatTimeoutMs: Math.min(s.nodeStatusUpdateFrequencyMs, s.nodeLeaseDurationSeconds * 1000),
      });
    } catch (err) {
      this.startError = (err as Error).message;
      logger.error({ kubeconfig: s.kubeconfig, err: this.startError }, 'cannot load kubeconfig; the node is not registered (static pods run regardless)');
      return;
    }
    await this.startLoops(this.clients);
  }

  /** Registration, then the node status loop; the Lease beside them. */
  private async startLoops(clients: ApiClients): Promise<void> {
    const { settings: s, logger } = this.deps;
    const machine = await readMachineInfo();
    const facts: NodeFacts = nodeFacts(s, machine, this.deps.resources);
    const signal = this.stopSignal.signal;
    logger.info({ server: clients.server, node: s.nodeName }, 'control plane: registering with the API server');
    // The Lease and the status share the heartbeat client: an outage of it is logged once.
    const heartbeat = this.connection;
    this.events.starting();
    this.loops.push(this.events.run(clients.events, signal));
    this.status = new NodeStatusReporter({ core: clients.heartbeatCore, facts, probe: () => this.probe(), reportFrequencyMs: s.nodeStatusReportFrequencyMs, log: (this.statusLog = new OnceLogger(logger, Date.now, heartbeat)), onWritten: (before, written) => this.events.statusWritten(before, written) });
    const statusWaker = new Waker();
    this.lease = new LeaseController({
      coordination: clients.heartbeatCoordination,
      core: clients.heartbeatCore,
      nodeName: s.nodeName,
      leaseDurationSeconds: s.nodeLeaseDurationSeconds,
      log: (this.leaseLog = new OnceLogger(logger, Date.now, heartbeat)),
      // The API server is back: report the status now rather than at the next period.
      onRecovered: () => {
        if (this.statusLog?.failing !== undefined) statusWaker.wake();
      },
    });
    const status = this.status;
    this.loops.push(this.lease.run(signal));
    if (this.serving) this.loops.push(this.startServing(this.serving, clients, facts, signal));
    // Once per connection (these clients): manifests are checked against this cluster's API.
    if (this.deps.schema) this.loops.push(syncClusterSchema({ config: clients.config, sink: this.deps.schema, logger, signal }));
    this.loops.push(
      (async () => {
        let built: NodeJson | undefined;
        const node = s.registerNode
          ? await registerNode({
              core: clients.core,
              build: async () => (built = initialNode(facts, await this.probe(), Date.now())),
              log: new OnceLogger(logger),
              signal,
              onAttempt: (error) => this.noteRegistration(error),
            })
          : await this.awaitExisting(clients, signal);
        if (!node || signal.aborted) return;
        if (built) this.events.registered(built);
        status.node = node;
        // Mirror pods need the Node's UID for their owner reference: they start now.
        const nodeUid = node.metadata.uid;
        if (nodeUid) {
          this.mirrors = new MirrorPodSync({ core: clients.core, watch: clients.watch, node: { name: s.nodeName, uid: nodeUid }, pods: this.deps.pods, events: this.deps.events, logger, failures: heartbeat });
          this.loops.push(this.mirrors.run(signal));
        } else logger.warn('the Node has no UID; mirror pods are not created');
        status.lastReport = Date.now();
        await status.fastUpdate(signal);
        await jitterUntil(() => status.sync(), s.nodeStatusUpdateFrequencyMs, signal, 0.04, statusWaker);
      })(),
    );
  }

  /**
   * serverTLSBootstrap: the node API's certificate from the cluster, requested with the node's
   * own credentials once the API clients exist (so after TLS bootstrap, if any). The node API
   * subscribed to the manager when the control plane was made and swaps pairs as they come.
   */
  private async startServing(serving: ServingCertificateManager, clients: ApiClients, facts: NodeFacts, signal: AbortSignal): Promise<void> {
    serving.bind(() => clients.credentials.current(), () => nodeAddresses(facts));
    try {
      await serving.init();
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'serving certificate: cannot read the stored one; requesting a new one');
    }
    await serving.run(signal);
  }

  /**
   * --bootstrap-kubeconfig or rotateCertificates: the client certificate comes from the
   * certificate manager, and the clients ask it for the current pair on every request. The
   * loops above start once there is a certificate; nothing else waits for it.
   */
  private async startWithCertificates(): Promise<void> {
    const { settings: s, logger } = this.deps;
    const signal = this.stopSignal.signal;
    const { CertStore } = await import('./certificate/store.js');
    const { CertificateManager } = await import('./certificate/manager.js');
    let current: KubeConfig | undefined;
    const certs = new CertificateManager({
      nodeName: s.nodeName,
      store: new CertStore(s.certDir),
      ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}),
      ...(s.bootstrapKubeconfig ? { bootstrapKubeconfig: s.bootstrapKubeconfig } : {}),
      rotate: s.rotateCertificates,
      logger,
      onCertificate: (_pair, kc) => (current = kc),
    });
    this.certificates = certs;
    try {
      await certs.init();
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'client certificate: cannot read the existing one; requesting a new one');
    }
    this.loops.push(certs.run(signal));
    this.loops.push(
      (async () => {
        if (!(await certs.waitIssued(signal)) || signal.aborted) return;
        const source: CredentialSource = { current: () => current! };
        try {
          this.clients = loadClients({ credentials: source, qps: s.kubeAPIQPS, burst: s.kubeAPIBurst, eventQps: s.eventRecordQPS, eventBurst: s.eventBurst, heartbeatTimeoutMs: Math.min(s.nodeStatusUpdateFrequencyMs, s.nodeLeaseDurationSeconds * 1000) });
        } catch (err) {
          this.startError = (err as Error).message;
          logger.error({ err: this.startError }, 'cannot make API clients; the node is not registered (static pods run regardless)');
          return;
        }
        await this.startLoops(this.clients);
      })(),
    );
  }

  async stop(): Promise<void> {
    this.unsubscribeEvents?.();
    this.stopSignal.abort();
    // Loops may add loops (the Lease starts inside the registration loop): settle until none are new.
    for (let n = -1; n !== this.loops.length; ) {
      n = this.loops.length;
      await Promise.allSettled(this.loops);
    }
  }

  reviewer(): Reviewer | undefined {
    if (!this.reviews && this.clients) this.reviews = new ApiReviewer(this.clients.authentication, this.clients.authorization);
    return this.reviews;
  }

  servingCertificates(): ServingCertificateSource | undefined {
    return this.serving;
  }

  view(): ControlPlaneView {
    const v: ControlPlaneView = { mode: 'api-server' };
    if (this.clients) v.server = this.clients.server;
    else if (this.certificates?.server) v.server = this.certificates.server;
    if (this.certificates) v.certificate = this.certificates.view();
    if (this.serving) v.servingCertificate = this.serving.view();
    v.registration = this.startError ? { registered: false, error: this.startError } : { ...this.registration };
    if (this.lease) {
      const failing = this.leaseLog?.failing;
      v.lease = { ...(this.lease.lastRenewal ? { lastRenewal: new Date(this.lease.lastRenewal).toISOString() } : {}), ...(failing ? { error: failing } : {}) };
    }
    if (this.status) {
      const result = this.status.lastResult ?? this.statusLog?.failing;
      v.status = { ready: this.status.ready, ...(this.status.lastReport ? { lastPatch: new Date(this.status.lastReport).toISOString() } : {}), ...(result ? { lastResult: result } : {}) };
    }
    if (this.mirrors) v.mirrorPods = this.mirrors.view();
    const e = this.events.stats();
    v.events = { posted: e.posts, patched: e.patches, queued: e.queued, dropped: e.dropped, spamFiltered: e.spamDropped, refused: e.refused };
    return v;
  }

  /** Test hook: the mirror pod loops, once the Node exists. */
  get mirrorPods(): MirrorPodSync | undefined {
    return this.mirrors;
  }

  /** The Node as last read from or written to the API server. */
  node(): NodeJson | undefined {
    return this.status?.node;
  }

  /** Test and `staticlet node` hook: how many status patches were sent. */
  get statusPatches(): number {
    return this.status?.patches ?? 0;
  }

  private noteRegistration(error: string | undefined): void {
    const registered = error === undefined;
    // `since` is when the state changed (or the first attempt); a new error text keeps it.
    const since = registered !== this.registration.registered || !this.registration.since ? new Date().toISOString() : this.registration.since;
    this.registration = { registered, ...(error ? { error } : {}), since };
  }

  /** registerNode=false: someone else creates the Node; wait for it with the registration back-off. */
  private async awaitExisting(clients: ApiClients, signal: AbortSignal) {
    const backoff: Backoff = registrationBackoff();
    while (!signal.aborted) {
      await sleep(backoff.next(), signal);
      try {
        const node = toJson(await clients.core.readNode({ name: this.deps.settings.nodeName }));
        this.noteRegistration(undefined);
        return node;
      } catch (err) {
        this.noteRegistration(statusCode(err) === 404 ? 'node does not exist and registerNode is false' : errorText(err));
      }
    }
    return undefined;
  }

  /** The runtime as the status setters see it: version, status conditions, images. */
  private async probe(): Promise<RuntimeFacts> {
    const facts = await probeRuntime(this.deps.runtime);
    return this.deps.pressure ? { ...facts, pressure: this.deps.pressure() } : facts;
  }

  nodeEvent(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.nodeEvent(type, reason, message);
  }
}
