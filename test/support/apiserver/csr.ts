// CertificateSigningRequests as kube-apiserver and kube-controller-manager handle them:
//
// - parseRequest: the PKCS#10 request decoded (with the openssl CLI, the fixture's one X.509
//   tool) and its self-signature checked, as API validation does.
// - CsrController: what runs beside the server for the kubelet's signer — csrapprover
//   (auto-approves a node client certificate requested by a bootstrap-token user or by the node
//   itself, after what would be its SubjectAccessReview: membership of system:bootstrappers /
//   system:nodes) and the kube-apiserver-client-kubelet signer (validates the request, then signs
//   it with the cluster CA for min(cluster-signing-duration, expirationSeconds), backdated).
//   Modes: `auto` (the approver), `deny` (an admin's `kubectl certificate deny`), `never` (no one
//   approves). The lifetime, minimum expirationSeconds and backdate are switches so a test can
//   see rotation in seconds; the defaults are upstream's (one year, 600 s, 5 min).
// - The kubelet-serving signer (serverTLSBootstrap): kube-controller-manager signs these (SANs
//   copied from the request, server auth) but its approver never approves them: they wait for
//   `kubectl certificate approve` (servingApproval `manual`, upstream's behaviour) unless a test
//   turns on `auto`, which stands for an approver the cluster admin runs (kubelet-csr-approver).
//   ValidateKubeletServingCSR is checked before signing (and before an auto approval), as the
//   signer checks it: a request that fails it gets Failed/SignerValidationFailure.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import type { Pki } from './pki.js';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resources.js';
import type { Store, WatchEvent } from './storage.js';
import { isObject, type Json, type JsonObject, type KubeObject } from './types.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export interface ParsedRequest {
  commonName: string;
  organizations: string[];
  /** Any subjectAltName (DNS, IP, email, URI). */
  hasSANs: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  emails: string[];
  uris: string[];
  keyType: 'ec' | 'rsa' | 'other';
}

/** The request's subjectAltNames from `openssl req -text` (`DNS:a, IP Address:1.2.3.4, email:x, URI:y`). */
function sans(text: string): Pick<ParsedRequest, 'dnsNames' | 'ipAddresses' | 'emails' | 'uris'> {
  const line = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]*)/.exec(text)?.[1] ?? '';
  const parts = line.split(/,\s*/).filter(Boolean);
  const of = (prefix: string) => parts.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  return { dnsNames: of('DNS:'), ipAddresses: of('IP Address:'), emails: of('email:'), uris: of('URI:') };
}

const cache = new Map<string, ParsedRequest | Error>();

/** RFC 2253 `CN=a,O=b` split on unescaped commas. */
function rdns(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      continue;
    }
    if (c === ',') {
      out.push(cur.split(/=(.*)/s).slice(0, 2) as [string, string]);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur.split(/=(.*)/s).slice(0, 2) as [string, string]);
  return out;
}

/** The request in spec.request (base64 of PEM), or an Error saying why it does not decode. */
export function parseRequest(base64: string): ParsedRequest | Error {
  const hit = cache.get(base64);
  if (hit) return hit;
  let result: ParsedRequest | Error;
  try {
    const pem = Buffer.from(base64, 'base64').toString('utf8');
    if (!/-----BEGIN CERTIFICATE REQUEST-----/.test(pem)) throw new Error('PEM block type must be CERTIFICATE REQUEST');
    const out = execFileSync('openssl', ['req', '-noout', '-verify', '-subject', '-nameopt', 'RFC2253', '-text'], { input: pem, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 }).toString();
    const subject = /^subject=(.*)$/m.exec(out)?.[1] ?? '';
    const parts = rdns(subject.trim());
    result = {
      commonName: parts.find(([k]) => k === 'CN')?.[1] ?? '',
      organizations: parts.filter(([k]) => k === 'O').map(([, v]) => v),
      hasSANs: /Subject Alternative Name/.test(out),
      ...sans(out),
      keyType: /id-ecPublicKey/.test(out) ? 'ec' : /rsaEncryption/.test(out) ? 'rsa' : 'other',
    };
  } catch (e) {
    result = new Error(`invalid certificate request: ${(e as Error).message.split('\n')[0]}`);
  }
  cache.set(base64, result);
  return result;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x)) && new Set(a).size === a.length;

/** ValidateKubeletClientCSR: the error for a request the kubelet client signer must refuse. */
export function kubeletClientError(req: ParsedRequest, usages: string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (req.hasSANs) return 'subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, ['digital signature', 'client auth']) && !sameSet(usages, ['key encipherment', 'digital signature', 'client auth'])) {
    return 'usages did not match [client auth digital signature key encipherment]';
  }
  return undefined;
}

/**
 * ValidateKubeletServingCSR (k8s.io/api certificates/v1 helpers, the kubelet-serving signer's
 * check): organization exactly system:nodes, at least one DNS or IP SAN, no email or URI SAN,
 * CN system:node:*, and usages exactly {digital signature, server auth} or those plus key
 * encipherment (upstream compares sets, it does not accept a subset).
 */
export function kubeletServingError(req: ParsedRequest, usages: string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emails.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, ['digital signature', 'server auth']) && !sameSet(usages, ['key encipherment', 'digital signature', 'server auth'])) {
    return 'usages did not match [digital signature key encipherment server auth]';
  }
  return undefined;
}

/** The signers this controller signs for, and the validation each applies. */
const SIGNERS: Record<string, (req: ParsedRequest, usages: string[]) => string | undefined> = {
  [KUBELET_CLIENT_SIGNER]: kubeletClientError,
  [KUBELET_SERVING_SIGNER]: kubeletServingError,
};

export type ApprovalMode = 'auto' | 'deny' | 'never';
/** kubelet-serving requests: `manual` waits for `kubectl certificate approve` (upstream); `auto` approves valid ones. */
export type ServingApprovalMode = 'manual' | 'auto';

export interface CsrOptions {
  approval?: ApprovalMode;
  /** How kubelet-serving requests are approved (default manual, as kube-controller-manager leaves them). */
  servingApproval?: ServingApprovalMode;
  /** kube-controller-manager --cluster-signing-duration (default 8760h). */
  signingDurationSeconds?: number;
  /** Certificates are valid from this long before signing (upstream: 5 min). */
  backdateSeconds?: number;
}

const SHORT_MS = 8 * 3600_000;

const str = (v: Json | undefined) => (typeof v === 'string' ? v : '');
const conditions = (o: KubeObject): JsonObject[] => {
  const s = o['status'];
  const c = isObject(s as Json) ? (s as JsonObject)['conditions'] : undefined;
  return Array.isArray(c) ? c.filter(isObject) : [];
};

export class CsrController {
  private mode: ApprovalMode;
  private servingMode: ServingApprovalMode;
  signingDurationSeconds: number;
  backdateSeconds: number;
  private readonly busy = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly def: ResourceDef,
    private readonly pki: Pki,
    o: CsrOptions = {},
  ) {
    this.mode = o.approval ?? 'auto';
    this.servingMode = o.servingApproval ?? 'manual';
    this.signingDurationSeconds = o.signingDurationSeconds ?? 365 * 24 * 3600;
    this.backdateSeconds = o.backdateSeconds ?? 300;
  }

  get approval(): ApprovalMode {
    return this.mode;
  }

  /** A new mode applies to pending requests too (the controllers' periodic resync, at once). */
  set approval(mode: ApprovalMode) {
    this.mode = mode;
    this.resync();
  }

  get servingApproval(): ServingApprovalMode {
    return this.servingMode;
  }

  /** As `approval`: pending kubelet-serving requests are looked at again at once. */
  set servingApproval(mode: ServingApprovalMode) {
    this.servingMode = mode;
    this.resync();
  }

  private resync(): void {
    for (const o of this.store.list('certificatesigningrequests.certificates.k8s.io')) setImmediate(() => this.sync(o.metadata.name!));
  }

  /** Starts watching CSRs; returns the stop function. */
  start(key: string): () => void {
    return this.store.watch(key, {
      matches: () => true,
      // The store calls watchers inside its write: act after it returns, as a controller would.
      send: (e: WatchEvent) => {
        if (e.type !== 'DELETED') setImmediate(() => this.sync(e.object.metadata.name!));
      },
    });
  }

  private sync(name: string): void {
    const o = this.store.get('certificatesigningrequests.certificates.k8s.io', undefined, name);
    if (!o) return;
    const conds = conditions(o);
    const has = (t: string) => conds.some((c) => c['type'] === t);
    const spec = isObject(o['spec'] as Json) ? (o['spec'] as JsonObject) : {};
    if (!has('Approved') && !has('Denied')) return this.approve(o, spec);
    if (has('Approved') && !has('Denied') && !has('Failed') && !str(isObject(o['status'] as Json) ? (o['status'] as JsonObject)['certificate'] : undefined)) void this.sign(o, spec);
  }

  private decide(o: KubeObject, type: 'Approved' | 'Denied', reason: string, message: string): void {
    const next = structuredClone(o);
    const status = isObject(next['status'] as Json) ? (next['status'] as JsonObject) : {};
    status['conditions'] = [...conditions(o), { type, status: 'True', reason, message }];
    next['status'] = status;
    try {
      this.registry.update(this.def, '', o.metadata.name!, 'approval', next);
    } catch {
      /* changed meanwhile: the next event brings it back */
    }
  }

  private approve(o: KubeObject, spec: JsonObject): void {
    if (this.mode === 'never') return;
    if (this.mode === 'deny') return this.decide(o, 'Denied', 'KubectlDeny', 'This CSR was denied by kubectl certificate deny.');
    const signer = str(spec['signerName']);
    if (signer === KUBELET_SERVING_SIGNER) return this.approveServing(o, spec);
    if (signer !== KUBELET_CLIENT_SIGNER) return;
    const req = parseRequest(str(spec['request']));
    if (req instanceof Error) return;
    const usages = Array.isArray(spec['usages']) ? spec['usages'].map((u) => str(u)) : [];
    if (kubeletClientError(req, usages)) return;
    const groups = Array.isArray(spec['groups']) ? spec['groups'].map((g) => str(g)) : [];
    // selfnodeclient: a node renewing its own certificate; nodeclient: a bootstrapping node.
    if (str(spec['username']) === req.commonName && groups.includes('system:nodes')) {
      return this.decide(o, 'Approved', 'AutoApproved', 'Auto approving self kubelet client certificate after SubjectAccessReview.');
    }
    if (groups.includes('system:bootstrappers')) return this.decide(o, 'Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.');
  }

  /**
   * `auto` stands for an approver the admin runs: a valid request from the node it names (the
   * requesting user is that node, in system:nodes) is approved. `manual`: left pending.
   */
  private approveServing(o: KubeObject, spec: JsonObject): void {
    if (this.servingMode !== 'auto') return;
    const req = parseRequest(str(spec['request']));
    if (req instanceof Error) return;
    const usages = Array.isArray(spec['usages']) ? spec['usages'].map((u) => str(u)) : [];
    if (kubeletServingError(req, usages)) return;
    const groups = Array.isArray(spec['groups']) ? spec['groups'].map((g) => str(g)) : [];
    if (str(spec['username']) === req.commonName && groups.includes('system:nodes')) {
      this.decide(o, 'Approved', 'AutoApproved', 'Auto approving kubelet serving certificate (emulator servingApproval=auto).');
    }
  }

  private async sign(o: KubeObject, spec: JsonObject): Promise<void> {
    const name = o.metadata.name!;
    const validate = SIGNERS[str(spec['signerName'])];
    if (!validate || this.busy.has(name)) return;
    this.busy.add(name);
    try {
      const req = parseRequest(str(spec['request']));
      const usages = Array.isArray(spec['usages']) ? spec['usages'].map((u) => str(u)) : [];
      const invalid = req instanceof Error ? req.message : validate(req, usages);
      const next = structuredClone(o);
      const status = isObject(next['status'] as Json) ? (next['status'] as JsonObject) : {};
      if (invalid) {
        status['conditions'] = [...conditions(o), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: invalid }];
      } else {
        const requested = typeof spec['expirationSeconds'] === 'number' ? spec['expirationSeconds'] * 1000 : undefined;
        const configured = this.signingDurationSeconds * 1000;
        const ttl = requested !== undefined ? Math.min(configured, Math.max(requested, 600_000)) : configured;
        const now = Date.now();
        const backdate = this.backdateSeconds * 1000;
        let notAfter = ttl < SHORT_MS ? now + ttl : now + ttl - backdate;
        notAfter = Math.min(notAfter, Date.parse(new X509Certificate(this.pki.caPem).validTo));
        const pem = await this.pki.signWindow(Buffer.from(str(spec['request']), 'base64').toString('utf8'), {
          notBefore: now - backdate,
          notAfter,
          keyUsage: [usages.includes('digital signature') ? 'digitalSignature' : '', usages.includes('key encipherment') ? 'keyEncipherment' : ''].filter(Boolean),
          extKeyUsage: [usages.includes('server auth') ? 'serverAuth' : '', usages.includes('client auth') ? 'clientAuth' : ''].filter(Boolean),
          ...(req instanceof Error ? {} : { subjectAltNames: [...req.dnsNames.map((d) => `DNS:${d}`), ...req.ipAddresses.map((i) => `IP:${i}`)] }),
        });
        status['certificate'] = Buffer.from(pem).toString('base64');
      }
      next['status'] = status;
      const fresh = this.store.get('certificatesigningrequests.certificates.k8s.io', undefined, name);
      if (!fresh) return;
      next.metadata = fresh.metadata;
      this.registry.update(this.def, '', name, 'status', next);
    } catch {
      /* a failed signing is retried on the next event */
    } finally {
      this.busy.delete(name);
    }
  }
}
