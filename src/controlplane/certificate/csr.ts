/**
 * The node's certificate requests: an ECDSA P-256 key (what the kubelet's certificate manager
 * generates) and a PKCS#10 request for `O=system:nodes, CN=system:node:<node>`, signed with
 * ECDSA-SHA256 (RSA keys, which only a bootstrap certificate handed in from outside could have,
 * get SHA256-RSA). The client request has no SANs and no extensions; the serving request
 * (serverTLSBootstrap) carries the node's names and addresses as subjectAltNames, in an
 * extension request as Go's x509.CreateCertificateRequest puts them. node:crypto makes keys and
 * signatures but not requests: @peculiar/x509 encodes them, over Node's WebCrypto. This module
 * is loaded only with an API server (through the control plane's dynamic import).
 */
// tsyringe, under @peculiar/x509, needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import { Pkcs10CertificateRequestGenerator, SubjectAlternativeNameExtension, cryptoProvider } from '@peculiar/x509';
import { isIP } from 'node:net';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';

export const SIGNER_KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
export const SIGNER_KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const NODES_GROUP = 'system:nodes';

export interface Subject {
  commonName: string;
  organization: string[];
}

/** What a request asks for: the subject, and for a serving certificate its subjectAltNames. */
export interface CsrTemplate extends Subject {
  dnsNames?: string[];
  ipAddresses?: string[];
}

export const nodeSubject = (nodeName: string): Subject => ({ commonName: `system:node:${nodeName}`, organization: [NODES_GROUP] });

/** The kubelet's client usages: key encipherment only for RSA keys (DefaultKubeletClientGetUsages). */
export function clientUsages(key: KeyObject): string[] {
  return key.asymmetricKeyType === 'rsa' ? ['key encipherment', 'digital signature', 'client auth'] : ['digital signature', 'client auth'];
}

/** The kubelet's serving usages: key encipherment only for RSA keys (DefaultKubeletServingGetUsages). */
export function servingUsages(key: KeyObject): string[] {
  return key.asymmetricKeyType === 'rsa' ? ['key encipherment', 'digital signature', 'server auth'] : ['digital signature', 'server auth'];
}

/** A Node's address, as status.addresses has it. */
export interface NodeAddress {
  type: string;
  address: string;
}

/**
 * The serving request's template from the node's addresses, as the kubelet's server certificate
 * manager builds it (addressesToHostnamesAndIPs): Hostname, InternalDNS and ExternalDNS are DNS
 * names (a Hostname that parses as an IP is an IP), InternalIP and ExternalIP are IPs; each name
 * once, both lists sorted, so the same addresses always make the same request. Undefined when
 * there is no address at all: the kubelet asks for nothing then (a certificate for no name
 * would serve no one).
 */
export function servingTemplate(nodeName: string, addresses: readonly NodeAddress[]): CsrTemplate | undefined {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const { type, address } of addresses) {
    if (!address) continue;
    if (type === 'Hostname') (isIP(address) ? ips : dns).add(address);
    else if (type === 'InternalIP' || type === 'ExternalIP') {
      if (isIP(address)) ips.add(address);
    } else if (type === 'InternalDNS' || type === 'ExternalDNS') dns.add(address);
  }
  if (dns.size === 0 && ips.size === 0) return undefined;
  return { ...nodeSubject(nodeName), dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

/** A new P-256 key, and its PEM in the SEC1 form ("EC PRIVATE KEY") the kubelet writes. */
export function newKey(): { key: KeyObject; pem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { key: privateKey, pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string };
}

export function keyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

// Node's WebCrypto is the standard one; the library types it with the DOM's names.
cryptoProvider.set(webcrypto as unknown as Parameters<typeof cryptoProvider.set>[0]);

/**
 * A PEM "CERTIFICATE REQUEST" for `subject` (O before CN, as Go's pkix.Name orders them), signed
 * by `key`; the template's DNS names and IPs, if any, go in a subjectAltName extension request.
 */
export async function makeCsr(key: KeyObject, subject: CsrTemplate): Promise<string> {
  const rsa = key.asymmetricKeyType === 'rsa';
  if (!rsa && key.asymmetricKeyType !== 'ec') throw new Error(`unsupported key type ${key.asymmetricKeyType ?? '?'}`);
  const algorithm = rsa ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), algorithm, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', createPublicKeyDer(key), algorithm, true, ['verify']);
  const sans = [...(subject.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(subject.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name: [...subject.organization.map((o) => ({ O: [o] })), { CN: [subject.commonName] }],
    keys: { privateKey, publicKey } as unknown as Parameters<typeof Pkcs10CertificateRequestGenerator.create>[0]['keys'],
    signingAlgorithm: algorithm,
    ...(sans.length > 0 ? { extensions: [new SubjectAlternativeNameExtension(sans)] } : {}),
  });
  return `${csr.toString('pem')}\n`;
}

function createPublicKeyDer(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}

/** SHA-256 of the public key (to tell whether a certificate belongs to a key). */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(createPublicKeyDer(key)).digest('hex');
}
