/**
 * The node's certificates, requested from the cluster and rotated, as client-go's
 * util/certificate manager runs them for the kubelet. CertificateRotator is that manager: the
 * request, the wait for a decision, the store, the rotation deadline and the back-off, for any
 * kind of node certificate; a kind (the client one here, the serving one in serving.ts) says
 * what to ask for, with which credentials, and who gets the result.
 *
 * The client certificate (CertificateManager):
 * - With no usable certificate it requests one with the bootstrap credentials: a fresh P-256
 *   key, a CertificateSigningRequest (`generateName: csr-`, signer
 *   kubernetes.io/kube-apiserver-client-kubelet, `O=system:nodes, CN=system:node:<node>`, usages
 *   digital signature + client auth), then waits for it to be approved and issued.
 * - The issued pair goes to the store (kubelet-client-<stamp>.pem, the `-current` symlink
 *   swapped), the --kubeconfig is written to point at it (bootstrap only), and `onCertificate`
 *   hands it to the live API clients.
 * - With rotation, a new pair is requested at 70-90 % of the lifetime with the current
 *   certificate's credentials; the old one stays in use until the new one is stored.
 * - A denied, failed or unanswered request is retried (2 s doubling to 16 s, then every 32 s),
 *   forever; none of this holds back anything but the API-server loops that need the
 *   certificate.
 */
import { readFile, stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { CertificatesV1Api, createConfiguration, KubeConfig, ServerConfiguration, Watch, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import type { ControlPlaneView } from '../index.js';
import type { Logger } from '../../logging/logger.js';
import { sleep } from '../../pods/hooks.js';
import { dynamicAuth, errorText, middleware, statusCode } from '../client.js';
import { clientUsages, makeCsr, newKey, nodeSubject, SIGNER_KUBELET_CLIENT, type CsrTemplate } from './csr.js';
import { CERTIFICATE_WAIT_TIMEOUT_MS, retryDelayMs, rotationDeadline } from './schedule.js';
import { parsePair, unexpired, writeCertKubeconfig, type CertPair, type CertStore, type KubeconfigTarget } from './store.js';

export type CertificateView = NonNullable<ControlPlaneView['certificate']>;
type State = CertificateView['state'];

/** What every kind of node certificate is managed with. */
export interface RotatorOptions {
  nodeName: string;
  store: CertStore;
  /** Request a new certificate at 70-90 % of the current one's lifetime. */
  rotate: boolean;
  logger: Logger;
  random?: () => number;
  waitTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** What sets one kind of node certificate apart from another, besides its template. */
export interface CertificateKind {
  /** How logs name it: `client certificate`, `serving certificate`. */
  label: string;
  /** Why the first one is requested, for the log: `TLS bootstrap`, `serverTLSBootstrap`. */
  firstReason: string;
  signerName: string;
  usages(key: KeyObject): string[];
}

export interface CertificateManagerOptions extends RotatorOptions {
  /** --kubeconfig: its certificate is used while valid; rewritten after a bootstrap. */
  kubeconfig?: string;
  /** --bootstrap-kubeconfig: credentials for the first request. */
  bootstrapKubeconfig?: string;
  /** Called with each new pair, before the state turns to issued. */
  onCertificate: (pair: CertPair, kc: KubeConfig) => void;
}

type Outcome = { kind: 'issued'; certPem: string } | { kind: 'denied' | 'failed'; reason: string; message: string } | { kind: 'timeout' };

/** A kubeconfig file as the pieces the manager needs: the cluster, and a client pair if it has one. */
interface LoadedKubeconfig {
  kc: KubeConfig;
  target: KubeconfigTarget;
  certText?: string;
  keyText?: string;
}

async function readKubeconfig(path: string): Promise<LoadedKubeconfig> {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${path}: no current cluster`);
  const user = kc.getCurrentUser();
  const fromFileOrData = async (file?: string, data?: string) => (file ? await readFile(file, 'utf8') : data ? Buffer.from(data, 'base64').toString('utf8') : undefined);
  const caPem = await fromFileOrData(cluster.caFile, cluster.caData);
  const certText = await fromFileOrData(user?.certFile, user?.certData);
  const keyText = await fromFileOrData(user?.keyFile, user?.keyData);
  return {
    kc,
    target: { server: cluster.server, ...(caPem ? { caPem } : {}), ...(cluster.skipTLSVerify ? { insecureSkipTLSVerify: true } : {}), ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}) },
    ...(certText ? { certText } : {}),
    ...(keyText ? { keyText } : {}),
  };
}

/** An in-memory KubeConfig for the cluster with a client pair: nothing is read from disk per request. */
export function kubeconfigFor(target: KubeconfigTarget, pair: CertPair): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'cluster', server: target.server, ...(target.caPem ? { caData: Buffer.from(target.caPem).toString('base64') } : {}), skipTLSVerify: !!target.insecureSkipTLSVerify, ...(target.tlsServerName ? { tlsServerName: target.tlsServerName } : {}) }],
    users: [{ name: 'node', certData: Buffer.from(pair.certPem).toString('base64'), keyData: Buffer.from(pair.keyPem).toString('base64') }],
    contexts: [{ name: 'node', cluster: 'cluster', user: 'node' }],
    currentContext: 'node',
  });
  return kc;
}

/** One spelling per address (`::1` and `0:0:0:0:0:0:0:1` are the same SAN): the URL parser's. */
const canonicalIp = (ip: string): string => (ip.includes(':') ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip);
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/** The certificate's DNS and IP subjectAltNames (Node's `DNS:a, IP Address:b` text). */
export function certificateSans(pair: CertPair): { dnsNames: string[]; ipAddresses: string[] } {
  const parts = (pair.leaf.subjectAltName ?? '').split(', ').filter(Boolean);
  return {
    dnsNames: parts.filter((p) => p.startsWith('DNS:')).map((p) => p.slice(4)),
    ipAddresses: parts.filter((p) => p.startsWith('IP Address:')).map((p) => canonicalIp(p.slice(11))),
  };
}

/**
 * Does the certificate carry what the node would ask for now (certSatisfiesTemplate)? The
 * subject always; the DNS names and IPs when the template has them (serving certificates), so
 * a node whose addresses changed gets a new one at once.
 */
export function satisfies(pair: CertPair, template: CsrTemplate): boolean {
  const lines = pair.leaf.subject.split('\n');
  const cns = lines.filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
  const os = lines.filter((l) => l.startsWith('O=')).map((l) => l.slice(2));
  if (!(cns.length === 1 && cns[0] === template.commonName && sameSet(os, template.organization))) return false;
  if (!template.dnsNames && !template.ipAddresses) return true;
  const sans = certificateSans(pair);
  return sameSet(sans.dnsNames, template.dnsNames ?? []) && sameSet(sans.ipAddresses, (template.ipAddresses ?? []).map(canonicalIp));
}

export function decide(csr: V1CertificateSigningRequest): Outcome | undefined {
  let approved = false;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Denied') return { kind: 'denied', reason: c.reason ?? '', message: c.message ?? '' };
    if (c.type === 'Failed') return { kind: 'failed', reason: c.reason ?? '', message: c.message ?? '' };
    if (c.type === 'Approved') approved = true;
  }
  const cert = csr.status?.certificate;
  if (approved && cert) return { kind: 'issued', certPem: Buffer.from(cert, 'base64').toString('utf8') };
  return undefined;
}

/**
 * The request/wait/store/rotate loop for one kind of node certificate. Subclasses say what the
 * request asks for (template), with which credentials it is sent, and who hears of a new pair.
 */
export abstract class CertificateRotator {
  private inUse: CertPair | undefined;
  private state: CertificateView = { state: 'requesting', since: new Date().toISOString() };
  private lastLogged = '';
  private issuedWaiters: Array<() => void> = [];
  /** How many certificates were stored (tests, `staticlet node`). */
  issued = 0;

  constructor(
    private readonly kind: CertificateKind,
    protected readonly o: RotatorOptions,
  ) {}

  /** What a request asks for now; undefined when there is nothing to ask for yet. */
  protected abstract template(): CsrTemplate | undefined;
  /** The credentials a request is sent with. */
  protected abstract credentials(): Promise<KubeConfig>;
  /** A pair is now the one in use (from the store at start, or newly issued). */
  protected abstract adopted(pair: CertPair): void;
  /** After a new pair is stored and in use (the client's kubeconfig is written then). */
  protected async stored(): Promise<void> {}

  view(): CertificateView {
    return { ...this.state, ...(this.inUse ? { notAfter: new Date(this.inUse.notAfter).toISOString() } : {}) };
  }

  /** The pair in use, if any. */
  get pair(): CertPair | undefined {
    return this.inUse;
  }

  /** Resolves when a certificate is in use (at once when there is one), or when stopped. */
  waitIssued(signal: AbortSignal): Promise<boolean> {
    if (this.inUse) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => resolve(!!this.inUse);
      this.issuedWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The request/rotation loop; returns when stopped (or, without rotation, once a certificate is in use). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.inUse) {
        if (!this.o.rotate) return;
        const template = this.template();
        const deadline = !template || satisfies(this.inUse, template) ? rotationDeadline(this.inUse.notBefore, this.inUse.notAfter, this.o.random) : Date.now();
        this.o.logger.info({ deadline: new Date(deadline).toISOString(), notAfter: new Date(this.inUse.notAfter).toISOString() }, `${this.kind.label}: waiting for the next rotation`);
        // setTimeout holds at most ~24.8 days: sleep in steps.
        while (!signal.aborted && Date.now() < deadline) await sleep(Math.min(deadline - Date.now(), 86_400_000), signal);
        if (signal.aborted) return;
      }
      for (let attempt = 0; !signal.aborted; attempt++) {
        if (attempt > 0) await sleep(retryDelayMs(attempt, this.o.random), signal);
        if (signal.aborted) return;
        if (await this.attempt(attempt, signal)) break;
      }
    }
  }

  protected use(pair: CertPair): void {
    this.inUse = pair;
    this.adopted(pair);
    this.setState('issued', {});
    for (const w of this.issuedWaiters.splice(0)) w();
  }

  /** One request: create the CSR, wait for it; true once a new pair is stored and in use. */
  private async attempt(attempt: number, signal: AbortSignal): Promise<boolean> {
    const retry = attempt > 0;
    this.setState('requesting', {}, retry);
    let name = '';
    try {
      const template = this.template();
      if (!template) throw new Error('the node has no address to request a certificate for');
      const kc = await this.credentials();
      const api = certificatesApi(kc, this.o.requestTimeoutMs ?? 60_000);
      const { key, pem: keyPem } = newKey();
      const request = await makeCsr(key, template);
      const created = await api.createCertificateSigningRequest({
        body: {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { generateName: 'csr-' },
          spec: { request: Buffer.from(request).toString('base64'), signerName: this.kind.signerName, usages: this.kind.usages(key) },
        },
      });
      name = created.metadata?.name ?? '';
      this.setState('pending', { csr: name }, retry);
      const outcome = decide(created) ?? (await waitForCertificate(kc, api, name, created.metadata?.uid, this.o.waitTimeoutMs ?? CERTIFICATE_WAIT_TIMEOUT_MS, signal));
      if (signal.aborted) return false;
      switch (outcome.kind) {
        case 'issued': {
          const pair = await this.o.store.update(outcome.certPem, keyPem);
          const rotated = !!this.inUse;
          this.issued += 1;
          this.use(pair);
          await this.stored();
          this.o.logger.info({ csr: name, notAfter: new Date(pair.notAfter).toISOString(), file: this.o.store.currentPath }, `${this.kind.label} ${rotated ? 'rotated' : 'issued'}`);
          this.lastLogged = 'issued';
          return true;
        }
        case 'denied':
          this.setState('denied', { csr: name, error: `certificate signing request is denied, reason: ${outcome.reason}, message: ${outcome.message}` });
          return false;
        case 'failed':
          this.setState('failed', { csr: name, error: `certificate signing request failed, reason: ${outcome.reason}, message: ${outcome.message}` });
          return false;
        case 'timeout':
          // Still pending: a new request follows; the state stays as it is (logged once).
          if (this.lastLogged !== 'timeout') this.o.logger.warn({ csr: name }, `${this.kind.label}: the request was not signed in time; requesting new ones until one is`);
          this.lastLogged = 'timeout';
          return false;
      }
    } catch (err) {
      if (signal.aborted) return false;
      this.setState('failed', { ...(name ? { csr: name } : {}), error: errorText(err) });
      return false;
    }
  }

  /**
   * Records a state; logs once per change of state and error (a retry that ends where the
   * last one did is not logged again). `quiet`: the step is a retry's requesting/pending.
   */
  private setState(state: State, extra: { csr?: string; error?: string }, quiet = false): void {
    const prev = this.state;
    if (prev.state !== state || prev.csr !== extra.csr || prev.error !== extra.error) {
      this.state = { state, ...extra, since: new Date().toISOString() };
    }
    const key = `${state}|${extra.error ?? ''}`;
    if (quiet || key === this.lastLogged) return;
    this.lastLogged = key;
    const log = this.o.logger;
    const label = this.kind.label;
    const fields = { node: this.o.nodeName, ...(extra.csr ? { csr: extra.csr } : {}), ...(extra.error ? { err: extra.error } : {}) };
    if (state === 'requesting') log.info(fields, this.inUse ? `${label}: requesting a new one (rotation)` : `${label}: requesting one (${this.kind.firstReason})`);
    else if (state === 'pending') log.info(fields, `${label}: waiting for the certificate signing request to be approved and issued`);
    else if (state === 'denied' || state === 'failed') log.warn(fields, `${label}: request ${state}; retrying with back-off`);
  }
}

const CLIENT: CertificateKind = { label: 'client certificate', firstReason: 'TLS bootstrap', signerName: SIGNER_KUBELET_CLIENT, usages: clientUsages };

/** The client certificate: TLS bootstrap from --bootstrap-kubeconfig, and rotation. */
export class CertificateManager extends CertificateRotator {
  private target: KubeconfigTarget | undefined;

  constructor(private readonly opts: CertificateManagerOptions) {
    super(CLIENT, opts);
  }

  get server(): string | undefined {
    return this.target?.server;
  }

  /**
   * Picks the certificate to start from: the --kubeconfig's while it is valid (not expired),
   * else the store's current pair (then the kubeconfig is pointed at it, with a bootstrap
   * kubeconfig), else none: run() requests one.
   */
  async init(): Promise<void> {
    const log = this.o.logger;
    if (this.opts.kubeconfig && (await exists(this.opts.kubeconfig))) {
      try {
        const k = await readKubeconfig(this.opts.kubeconfig);
        this.target = k.target;
        if (k.certText && k.keyText && unexpired(k.certText)) {
          this.use(parsePair(k.certText, k.keyText));
          return;
        }
        if (k.certText) log.warn({ kubeconfig: this.opts.kubeconfig }, 'the client certificate of the kubeconfig has expired');
      } catch (err) {
        log.warn({ kubeconfig: this.opts.kubeconfig, err: (err as Error).message }, 'unable to read the existing kubeconfig; bootstrapping');
      }
    }
    const stored = await this.o.store.current();
    if (stored && Date.now() <= stored.notAfter) {
      if (this.opts.bootstrapKubeconfig) {
        const b = await readKubeconfig(this.opts.bootstrapKubeconfig).catch(() => undefined);
        if (b) this.target = b.target;
      }
      if (this.target) {
        this.use(stored);
        await this.stored();
      }
    }
  }

  protected template(): CsrTemplate {
    return nodeSubject(this.o.nodeName);
  }

  protected adopted(pair: CertPair): void {
    this.opts.onCertificate(pair, kubeconfigFor(this.target!, pair));
  }

  /** Points --kubeconfig at the store's current pair (bootstrap only). */
  protected override async stored(): Promise<void> {
    if (!this.opts.bootstrapKubeconfig || !this.opts.kubeconfig || !this.target) return;
    await writeCertKubeconfig(this.opts.kubeconfig, this.target, this.o.store.currentPath);
  }

  /** The credentials for a request: the current certificate's, else the bootstrap kubeconfig (or the kubeconfig). */
  protected async credentials(): Promise<KubeConfig> {
    if (this.pair && this.target) return kubeconfigFor(this.target, this.pair);
    const path = this.opts.bootstrapKubeconfig ?? this.opts.kubeconfig;
    if (!path) throw new Error('no client certificate and no --bootstrap-kubeconfig to request one with');
    const b = await readKubeconfig(path);
    // The cluster the bootstrap kubeconfig names is the one the new kubeconfig points at.
    if (this.opts.bootstrapKubeconfig || !this.target) this.target = b.target;
    return b.kc;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function certificatesApi(kc: KubeConfig, timeoutMs: number): CertificatesV1Api {
  const server = kc.getCurrentCluster()!.server;
  const source = { current: () => kc };
  return new CertificatesV1Api(createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: dynamicAuth(source) }, promiseMiddleware: [middleware({ timeoutMs })] }));
}

const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

/**
 * Waits for a decision on one CSR (WaitForCertificate): GET it, then watch it from that
 * resourceVersion; a watch that ends is followed by a new GET and watch. Gives up after
 * `timeoutMs` (a new request follows) or when stopped.
 */
async function waitForCertificate(kc: KubeConfig, api: CertificatesV1Api, name: string, uid: string | undefined, timeoutMs: number, signal: AbortSignal): Promise<Outcome> {
  const deadline = Date.now() + timeoutMs;
  let pause = 250;
  while (!signal.aborted && Date.now() < deadline) {
    let rv: string | undefined;
    try {
      const csr = await api.readCertificateSigningRequest({ name });
      if (uid && csr.metadata?.uid !== uid) return { kind: 'failed', reason: 'Replaced', message: `certificate signing request ${name} was replaced by another object` };
      const d = decide(csr);
      if (d) return d;
      rv = csr.metadata?.resourceVersion;
    } catch (err) {
      if (statusCode(err) === 404) return { kind: 'failed', reason: 'Deleted', message: `certificate signing request ${name} was deleted` };
      await sleep(pause, signal);
      pause = Math.min(pause * 2, 8_000);
      continue;
    }
    const d = await watchOnce(kc, name, rv, Math.max(1, Math.min(300, Math.ceil((deadline - Date.now()) / 1000))), deadline, signal);
    if (d) return d;
    await sleep(pause, signal);
    pause = Math.min(pause * 2, 8_000);
  }
  return { kind: 'timeout' };
}

/** One watch of the CSR: a decision, or undefined when it ends (server timeout, error, `deadline`). */
function watchOnce(kc: KubeConfig, name: string, rv: string | undefined, timeoutSeconds: number, deadline: number, signal: AbortSignal): Promise<Outcome | undefined> {
  return new Promise((resolve) => {
    let finished = false;
    let controller: AbortController | undefined;
    const timer = setTimeout(() => finish(undefined), Math.min((timeoutSeconds + 10) * 1000, Math.max(0, deadline - Date.now())));
    const finish = (o: Outcome | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      resolve(o);
    };
    const onAbort = () => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    new Watch(kc)
      .watch(
        CSR_PATH,
        { fieldSelector: `metadata.name=${name}`, ...(rv ? { resourceVersion: rv } : {}), timeoutSeconds },
        (type: string, obj: V1CertificateSigningRequest) => {
          if (type === 'DELETED') finish({ kind: 'failed', reason: 'Deleted', message: `certificate signing request ${name} was deleted` });
          else if (type === 'ADDED' || type === 'MODIFIED') {
            const d = decide(obj);
            if (d) finish(d);
          } else if (type === 'ERROR') finish(undefined);
        },
        () => finish(undefined),
      )
      .then((c) => {
        controller = c;
        if (finished) c.abort();
      })
      .catch(() => finish(undefined));
  });
}
