/**
 * The node's client certificate: TLS bootstrap and rotation, as the kubelet's certificate
 * manager runs them (client-go util/certificate with the kubelet's client template).
 *
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
import { CertificatesV1Api, createConfiguration, KubeConfig, ServerConfiguration, Watch, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import type { ControlPlaneView } from '../index.js';
import type { Logger } from '../../logging/logger.js';
import { sleep } from '../../pods/hooks.js';
import { dynamicAuth, errorText, middleware, statusCode } from '../client.js';
import { clientUsages, makeCsr, newKey, nodeSubject, SIGNER_KUBELET_CLIENT, type Subject } from './csr.js';
import { CERTIFICATE_WAIT_TIMEOUT_MS, retryDelayMs, rotationDeadline } from './schedule.js';
import { parsePair, unexpired, writeCertKubeconfig, type CertPair, type CertStore, type KubeconfigTarget } from './store.js';

export type CertificateView = NonNullable<ControlPlaneView['certificate']>;
type State = CertificateView['state'];

export interface CertificateManagerOptions {
  nodeName: string;
  store: CertStore;
  /** --kubeconfig: its certificate is used while valid; rewritten after a bootstrap. */
  kubeconfig?: string;
  /** --bootstrap-kubeconfig: credentials for the first request. */
  bootstrapKubeconfig?: string;
  rotate: boolean;
  logger: Logger;
  /** Called with each new pair, before the state turns to issued. */
  onCertificate: (pair: CertPair, kc: KubeConfig) => void;
  random?: () => number;
  waitTimeoutMs?: number;
  requestTimeoutMs?: number;
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

/** Does the certificate carry the subject the node would ask for now (certSatisfiesTemplate)? */
function satisfies(pair: CertPair, subject: Subject): boolean {
  const lines = pair.leaf.subject.split('\n');
  const cns = lines.filter((l) => l.startsWith('CN=')).map((l) => l.slice(3));
  const os = lines.filter((l) => l.startsWith('O=')).map((l) => l.slice(2));
  return cns.length === 1 && cns[0] === subject.commonName && os.length === subject.organization.length && subject.organization.every((o) => os.includes(o));
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

export class CertificateManager {
  private current: CertPair | undefined;
  private target: KubeconfigTarget | undefined;
  private state: CertificateView = { state: 'requesting', since: new Date().toISOString() };
  private lastLogged = '';
  private issuedWaiters: Array<() => void> = [];
  /** How many certificates were stored (tests, `staticlet node`). */
  issued = 0;

  constructor(private readonly o: CertificateManagerOptions) {}

  view(): CertificateView {
    return { ...this.state, ...(this.current ? { notAfter: new Date(this.current.notAfter).toISOString() } : {}) };
  }

  /** The pair in use, if any. */
  get pair(): CertPair | undefined {
    return this.current;
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
    if (this.o.kubeconfig && (await exists(this.o.kubeconfig))) {
      try {
        const k = await readKubeconfig(this.o.kubeconfig);
        this.target = k.target;
        if (k.certText && k.keyText && unexpired(k.certText)) {
          this.use(parsePair(k.certText, k.keyText));
          return;
        }
        if (k.certText) log.warn({ kubeconfig: this.o.kubeconfig }, 'the client certificate of the kubeconfig has expired');
      } catch (err) {
        log.warn({ kubeconfig: this.o.kubeconfig, err: (err as Error).message }, 'unable to read the existing kubeconfig; bootstrapping');
      }
    }
    const stored = await this.o.store.current();
    if (stored && Date.now() <= stored.notAfter) {
      if (this.o.bootstrapKubeconfig) {
        const b = await readKubeconfig(this.o.bootstrapKubeconfig).catch(() => undefined);
        if (b) this.target = b.target;
      }
      if (this.target) {
        this.use(stored);
        await this.writeKubeconfig();
      }
    }
  }

  /** Resolves when a certificate is in use (at once when there is one), or when stopped. */
  waitIssued(signal: AbortSignal): Promise<boolean> {
    if (this.current) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => resolve(!!this.current);
      this.issuedWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The bootstrap/rotation loop; returns when stopped (or, without rotation, once a certificate is in use). */
  async run(signal: AbortSignal): Promise<void> {
    const subject = nodeSubject(this.o.nodeName);
    while (!signal.aborted) {
      if (this.current) {
        if (!this.o.rotate) return;
        const deadline = satisfies(this.current, subject) ? rotationDeadline(this.current.notBefore, this.current.notAfter, this.o.random) : Date.now();
        this.o.logger.info({ deadline: new Date(deadline).toISOString(), notAfter: new Date(this.current.notAfter).toISOString() }, 'client certificate: waiting for the next rotation');
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

  private use(pair: CertPair): void {
    this.current = pair;
    this.o.onCertificate(pair, kubeconfigFor(this.target!, pair));
    this.setState('issued', {});
    for (const w of this.issuedWaiters.splice(0)) w();
  }

  private async writeKubeconfig(): Promise<void> {
    if (!this.o.bootstrapKubeconfig || !this.o.kubeconfig || !this.target) return;
    await writeCertKubeconfig(this.o.kubeconfig, this.target, this.o.store.currentPath);
  }

  /** The credentials for a request: the current certificate's, else the bootstrap kubeconfig (or the kubeconfig). */
  private async credentials(): Promise<KubeConfig> {
    if (this.current && this.target) return kubeconfigFor(this.target, this.current);
    const path = this.o.bootstrapKubeconfig ?? this.o.kubeconfig;
    if (!path) throw new Error('no client certificate and no --bootstrap-kubeconfig to request one with');
    const b = await readKubeconfig(path);
    // The cluster the bootstrap kubeconfig names is the one the new kubeconfig points at.
    if (this.o.bootstrapKubeconfig || !this.target) this.target = b.target;
    return b.kc;
  }

  /** One request: create the CSR, wait for it; true once a new pair is stored and in use. */
  private async attempt(attempt: number, signal: AbortSignal): Promise<boolean> {
    const retry = attempt > 0;
    this.setState('requesting', {}, retry);
    let name = '';
    try {
      const kc = await this.credentials();
      const api = certificatesApi(kc, this.o.requestTimeoutMs ?? 60_000);
      const { key, pem: keyPem } = newKey();
      const request = await makeCsr(key, nodeSubject(this.o.nodeName));
      const created = await api.createCertificateSigningRequest({
        body: {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { generateName: 'csr-' },
          spec: { request: Buffer.from(request).toString('base64'), signerName: SIGNER_KUBELET_CLIENT, usages: clientUsages(key) },
        },
      });
      name = created.metadata?.name ?? '';
      this.setState('pending', { csr: name }, retry);
      const outcome = decide(created) ?? (await waitForCertificate(kc, api, name, created.metadata?.uid, this.o.waitTimeoutMs ?? CERTIFICATE_WAIT_TIMEOUT_MS, signal));
      if (signal.aborted) return false;
      switch (outcome.kind) {
        case 'issued': {
          const pair = await this.o.store.update(outcome.certPem, keyPem);
          const rotated = !!this.current;
          this.issued += 1;
          this.use(pair);
          await this.writeKubeconfig();
          this.o.logger.info({ csr: name, notAfter: new Date(pair.notAfter).toISOString(), file: this.o.store.currentPath }, rotated ? 'client certificate rotated' : 'client certificate issued');
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
          if (this.lastLogged !== 'timeout') this.o.logger.warn({ csr: name }, 'client certificate: the request was not signed in time; requesting new ones until one is');
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
    const fields = { node: this.o.nodeName, ...(extra.csr ? { csr: extra.csr } : {}), ...(extra.error ? { err: extra.error } : {}) };
    if (state === 'requesting') log.info(fields, this.current ? 'client certificate: requesting a new one (rotation)' : 'client certificate: requesting one (TLS bootstrap)');
    else if (state === 'pending') log.info(fields, 'client certificate: waiting for the certificate signing request to be approved and issued');
    else if (state === 'denied' || state === 'failed') log.warn(fields, `client certificate: request ${state}; retrying with back-off`);
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
