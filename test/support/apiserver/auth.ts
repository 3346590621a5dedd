// Authentication as the API server's union authenticator does it for the two methods a kubelet
// uses: an x509 client certificate signed by the cluster CA (CN = user, O = groups), then a bearer
// token from a static table. Every authenticated user also gets `system:authenticated`.
// Authorization is a pluggable function; the default allows every authenticated request.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './types.js';

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
  if (cert.ext_key_usage && !cert.ext_key_usage.includes(CLIENT_AUTH_OID)) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O as string | string[] | undefined;
  const username = Array.isArray(cn) ? cn[0] : cn;
  if (!username) return undefined;
  return { username, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

export function authenticate(req: IncomingMessage, tokens: Record<string, TokenUser>): UserInfo | undefined {
  const cert = fromCertificate(req.socket as TLSSocket);
  if (cert) return withAuthenticated(cert);
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) return undefined;
  const t = tokens[m[1]!];
  if (!t) return undefined;
  return withAuthenticated({ username: t.user, ...(t.uid ? { uid: t.uid } : {}), groups: t.groups ?? [] });
}

/** The sentence the API server puts after "is forbidden: ". */
export function forbiddenReason(a: Attributes, reason?: string): string {
  const tail = reason ? `: ${reason}` : '';
  if (!a.resourceRequest) return `User "${a.user.username}" cannot ${a.verb} path "${a.path}"${tail}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}${tail}`;
}
