/**
 * The node API's serving certificate from the cluster (serverTLSBootstrap), as the kubelet's
 * server certificate manager gets it: a CSR to signer kubernetes.io/kubelet-serving for
 * `O=system:nodes, CN=system:node:<node>` with the node's names and addresses as
 * subjectAltNames, usages digital signature + server auth (+ key encipherment for RSA), sent
 * with the node's client credentials; stored as kubelet-server-<stamp>.pem with the
 * kubelet-server-current.pem symlink; always rotated at 70-90 % of its lifetime (the kubelet's
 * RotateKubeletServerCertificate gate is on by default), and again at once if the node's
 * addresses no longer match it. Kube-controller-manager signs these but does not approve them:
 * an administrator (or an approver they run) must, so the first one may wait a long time; the
 * node API serves its self-signed pair meanwhile.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ServingCertificateSource, ServingPairPem } from '../index.js';
import { SIGNER_KUBELET_SERVING, servingTemplate, servingUsages, type CsrTemplate, type NodeAddress } from './csr.js';
import { CertificateRotator, type CertificateKind, type RotatorOptions } from './manager.js';
import type { CertPair } from './store.js';

const SERVING: CertificateKind = { label: 'serving certificate', firstReason: 'serverTLSBootstrap', signerName: SIGNER_KUBELET_SERVING, usages: servingUsages };

export type ServingCertificateOptions = Omit<RotatorOptions, 'rotate'>;

/**
 * Made with the control plane, so the node API can subscribe at once; bound to the API clients
 * (credentials) and the node's addresses once those exist, before init() and run().
 */
export class ServingCertificateManager extends CertificateRotator implements ServingCertificateSource {
  private readonly listeners = new Set<(pair: ServingPairPem) => void>();
  private clientConfig: (() => KubeConfig) | undefined;
  private nodeAddresses: () => NodeAddress[] = () => [];

  constructor(o: ServingCertificateOptions) {
    super(SERVING, { ...o, rotate: true });
  }

  /**
   * `credentials`: the node's current client credentials (they change when the client
   * certificate rotates); `addresses`: the node's addresses as the Node reports them, read at
   * each request.
   */
  bind(credentials: () => KubeConfig, addresses: () => NodeAddress[]): void {
    this.clientConfig = credentials;
    this.nodeAddresses = addresses;
  }

  /** Starts from the stored pair while it is unexpired (a restart serves it at once); else run() requests one. */
  async init(): Promise<void> {
    const stored = await this.o.store.current();
    if (stored && Date.now() <= stored.notAfter) this.use(stored);
  }

  current(): ServingPairPem | undefined {
    const p = this.pair;
    return p ? pem(p) : undefined;
  }

  subscribe(listener: (pair: ServingPairPem) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected template(): CsrTemplate | undefined {
    return servingTemplate(this.o.nodeName, this.nodeAddresses());
  }

  protected async credentials(): Promise<KubeConfig> {
    if (!this.clientConfig) throw new Error('no API client credentials yet');
    return this.clientConfig();
  }

  protected adopted(pair: CertPair): void {
    const p = pem(pair);
    for (const l of this.listeners) {
      try {
        l(p);
      } catch (err) {
        // One listener's failure (a context the TLS layer refuses) must not stop the others or the loop.
        this.o.logger.warn({ err: (err as Error).message }, 'serving certificate: a listener failed to take the new pair');
      }
    }
  }
}

const pem = (p: CertPair): ServingPairPem => ({ cert: p.certPem, key: p.keyPem });
