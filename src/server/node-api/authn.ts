/**
 * Who is asking, as the kubelet's authenticator decides it: an x509 client certificate signed by
 * authentication.x509.clientCAFile (CN the user, O the groups), else a bearer token through
 * TokenReview when authentication.webhook is enabled and an API server is there to ask, else
 * anonymous if enabled. A token that is presented and refused is a 401 even with anonymous on
 * (the kubelet's union fails on an authenticator's error before it tries anonymous).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { NodeApiAuthentication } from '../../config/settings.js';
import type { Reviewer, TokenReviewResult } from '../../controlplane/index.js';
import type { Logger } from '../../logging/logger.js';
import { TtlCache } from './ttl-cache.js';
import type { UserInfo } from './types.js';

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const AUTHENTICATED_GROUP = 'system:authenticated';

export class Authenticator {
  private readonly tokens = new TtlCache<TokenReviewResult>();

  constructor(
    private readonly config: NodeApiAuthentication,
    private readonly reviewer: () => Reviewer | undefined,
    private readonly logger?: Logger,
  ) {}

  /** The caller, or undefined for a 401. */
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const cert = this.config.clientCAFile ? fromCertificate(req.socket as TLSSocket) : undefined;
    if (cert) return withAuthenticated(cert);
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const user = m ? await this.fromToken(m[1]!) : undefined;
      return user ? withAuthenticated(user) : undefined;
    }
    return this.config.anonymous ? ANONYMOUS : undefined;
  }

  private async fromToken(token: string): Promise<UserInfo | undefined> {
    if (!this.config.webhook.enabled) return undefined;
    const reviewer = this.reviewer();
    if (!reviewer) {
      this.logger?.debug('node API: a bearer token arrived but there is no API server (yet) to review it');
      return undefined;
    }
    // Keyed by a digest: the cache need not hold the tokens themselves.
    const key = createHash('sha256').update(token).digest('base64');
    let result = this.tokens.get(key);
    if (!result) {
      try {
        result = await reviewer.reviewToken(token);
      } catch (err) {
        // Not cached: the next request asks again once the API server answers.
        this.logger?.warn({ err: (err as Error).message }, 'node API: TokenReview failed');
        return undefined;
      }
      this.tokens.set(key, result, this.config.webhook.cacheTTLMs);
    }
    return result.authenticated ? result.user : undefined;
  }
}

/**
 * The TLS layer asks for a certificate without requiring one (token users connect too) and
 * verifies the chain against the client CA; `authorized` says whether that worked. Validity is
 * checked again per request, since a kept-alive connection outlives the handshake.
 */
function fromCertificate(socket: TLSSocket): UserInfo | undefined {
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const now = Date.now();
  if (now < Date.parse(cert.valid_from) || now > Date.parse(cert.valid_to)) return undefined;
  if (cert.ext_key_usage && !cert.ext_key_usage.includes(CLIENT_AUTH_EKU)) return undefined;
  const cn: string | string[] | undefined = cert.subject.CN;
  const o: string | string[] | undefined = cert.subject.O;
  const username = Array.isArray(cn) ? cn[0] : cn;
  if (!username) return undefined;
  return { username, groups: o === undefined ? [] : Array.isArray(o) ? [...o] : [o] };
}

function withAuthenticated(u: UserInfo): UserInfo {
  return u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
}
