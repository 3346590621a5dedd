/**
 * The node's client-certificate request: an ECDSA P-256 key (what the kubelet's certificate
 * manager generates) and a PKCS#10 request for `O=system:nodes, CN=system:node:<node>` with no
 * SANs and no extensions, signed with ECDSA-SHA256 (RSA keys, which only a bootstrap certificate
 * handed in from outside could have, get SHA256-RSA).
 *
 * Why a DER encoder here: no X.509 library is in the dependency tree (@kubernetes/client-node
 * brings none), node:crypto makes keys and signatures but not requests, and spawning the openssl
 * CLI from a daemon adds a run-time dependency for one fixed structure. A PKCS#10 request of
 * this shape is four nested SEQUENCEs; the encoder below writes exactly that and nothing else.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export const SIGNER_KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
export const NODES_GROUP = 'system:nodes';

export interface Subject {
  commonName: string;
  organization: string[];
}

export const nodeSubject = (nodeName: string): Subject => ({ commonName: `system:node:${nodeName}`, organization: [NODES_GROUP] });

/** The kubelet's client usages: key encipherment only for RSA keys (DefaultKubeletClientGetUsages). */
export function clientUsages(key: KeyObject): string[] {
  return key.asymmetricKeyType === 'rsa' ? ['key encipherment', 'digital signature', 'client auth'] : ['digital signature', 'client auth'];
}

/** A new P-256 key, and its PEM in the SEC1 form ("EC PRIVATE KEY") the kubelet writes. */
export function newKey(): { key: KeyObject; pem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { key: privateKey, pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string };
}

export function keyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem);
}

// --- DER: just the types a certification request uses -----------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const groups: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/** PrintableString when every character allows it (as Go's encoder chooses), else UTF8String. */
function directoryString(s: string): Buffer {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s) ? tlv(0x13, Buffer.from(s, 'ascii')) : tlv(0x0c, Buffer.from(s, 'utf8'));
}

const OID_O = '2.5.4.10';
const OID_CN = '2.5.4.3';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const RSA_SHA256 = '1.2.840.113549.1.1.11';

/** One attribute per RDN, O before CN (the order Go's pkix.Name gives). */
function name(subject: Subject): Buffer {
  const rdn = (type: string, value: string) => set(sequence(oid(type), directoryString(value)));
  return sequence(...subject.organization.map((o) => rdn(OID_O, o)), rdn(OID_CN, subject.commonName));
}

/** A PEM "CERTIFICATE REQUEST" for `subject`, signed by `key`. */
export function makeCsr(key: KeyObject, subject: Subject): string {
  const spki = createPublicKeyDer(key);
  // version 0, subject, public key, empty [0] attributes
  const info = sequence(tlv(0x02, Buffer.from([0])), name(subject), spki, tlv(0xa0));
  const rsa = key.asymmetricKeyType === 'rsa';
  if (!rsa && key.asymmetricKeyType !== 'ec') throw new Error(`unsupported key type ${key.asymmetricKeyType ?? '?'}`);
  const algorithm = rsa ? sequence(oid(RSA_SHA256), tlv(0x05)) : sequence(oid(ECDSA_SHA256));
  // Node's ECDSA signatures are DER (r, s) already, as X.509 wants them.
  const signature = sign('sha256', info, key);
  const der = sequence(info, algorithm, tlv(0x03, Buffer.from([0]), signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}-----END CERTIFICATE REQUEST-----\n`;
}

function createPublicKeyDer(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });
}

/** SHA-256 of the public key (to tell whether a certificate belongs to a key). */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(createPublicKeyDer(key)).digest('hex');
}
