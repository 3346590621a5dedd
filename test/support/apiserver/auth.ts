// Authentication as the API server's union authenticator does it for the methods a kubelet
// uses: an x509 client certificate signed by the cluster CA (CN = user, O = groups; checked on
// every request, so a certificate that expires on an open connection stops working), then a
// bearer token from a static table, then a bootstrap token (`<id>.<secret>`, the table standing
// in for the kube-system `bootstrap-token-<id>` Secrets) as `system:bootstrap:<id>` in group
// `system:bootstrappers` plus the token's extra groups. Every authenticated user also gets
// `system:authenticated`.
// Authorization is a pluggable function; the default allows every authenticated request.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './types.js';

/** A bootstrap token's Secret, as far as authentication reads it. */
export interface BootstrapToken {
  /** auth-extra-groups (each must start with `system:bootstrappers:`). */
  extraGroups?: string[];
  /** expiration: the token stops authenticating after this time (ms since the epoch). */
  expires?: number;
}

export interface TokenUser {
  user: string;
  uid?: string;
  groups?: string[];
}

/** What the authorizer is asked, as the API server's request attributes name it. */
export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export type Authorizer = (attributes: Attributes) => Decision;

export const allowAll: Authorizer = () => ({ allowed: true });

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes('system:authenticated') ? u : { ...u, groups: [...u.groups, 'system:authenticated'] };
}

function fromCertificate(socket: TLSSocket): UserInfo | undefined {
  // The TLS layer asks for a certificate but accepts connections without one (or with a foreign
  // one), as the API server does, so that token users can connect; the check happens here.
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  // The handshake verified the chain at connection time; the authenticator verifies it again for
  // each request, so an expired certificate on a kept-alive connection is refused.
  const now = Date.now();
  if (now < Date.parse(cert.valid_from) || now > Date.parse(cert.valid_to)) return undefined;
  if (cert.ext_key_usage && !cert.ext_key_usage.includes(CLIENT_AUTH_OID)) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O as string | string[] | undefined;
  const username = Array.isArray(cn) ? cn[0] : cn;
  if (!username) return undefined;
  return { username, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export function authenticate(req: IncomingMessage, tokens: Record<string, TokenUser>, bootstrapTokens: Record<string, BootstrapToken> = {}): UserInfo | undefined {
  const cert = fromCertificate(req.socket as TLSSocket);
  if (cert) return withAuthenticated(cert);
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return undefined;
  const t = tokens[m[1]!];
  if (t) return withAuthenticated({ username: t.user, ...(t.uid ? { uid: t.uid } : {}), groups: t.groups ?? [] });
  const b = BOOTSTRAP_TOKEN.exec(m[1]!);
  const secret = b ? bootstrapTokens[m[1]!] : undefined;
  if (!b || !secret || (secret.expires !== undefined && Date.now() > secret.expires)) return undefined;
  return withAuthenticated({ username: `system:bootstrap:${b[1]!}`, groups: ['system:bootstrappers', ...(secret.extraGroups ?? [])] });
}

/** The sentence the API server puts after "is forbidden: ". */
export function forbiddenReason(a: Attributes, reason?: string): string {
  const tail = reason ? `: ${reason}` : '';
  if (!a.resourceRequest) return `User "${a.user.username}" cannot ${a.verb} path "${a.path}"${tail}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}${tail}`;
}
