/**
 * What an authenticated caller may do, as the kubelet asks it: AlwaysAllow, or a
 * SubjectAccessReview on the node object (`nodes/<subresource>`, name = node name) with the verb
 * from the HTTP method. With fine-grained authorization (GA in 1.36) /pods, /runningpods,
 * /healthz and /configz are tried as their own subresource first, then as `proxy`; any allow wins.
 */
import type { NodeApiAuthorization } from '../../config/settings.js';
import type { AccessAttributes, AccessReviewResult, Reviewer } from '../../controlplane/index.js';
import type { Logger } from '../../logging/logger.js';
import { TtlCache } from './ttl-cache.js';
import type { UserInfo } from './types.js';

/** The kubelet's method → verb table (HEAD reads as get). */
export function verbFor(method: string): string {
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

/** Path prefixes with a subresource of their own and no `proxy` fallback. */
const ONLY: Record<string, string> = { stats: 'stats', metrics: 'metrics', logs: 'log', spec: 'spec', checkpoint: 'checkpoint' };
/** Fine-grained prefixes: tried first, then `proxy`. */
const FINE: Record<string, string> = { pods: 'pods', runningpods: 'pods', healthz: 'healthz', configz: 'configz' };

/** The subresources to try, in order, for a request path. */
export function subresourcesFor(pathname: string): string[] {
  const first = pathname.split('/')[1] ?? '';
  const only = ONLY[first];
  if (only) return [only];
  const fine = FINE[first];
  return fine ? [fine, 'proxy'] : ['proxy'];
}

export type AuthzDecision = { allowed: true } | { allowed: false; status: 403 | 500; message: string };

export class Authorizer {
  private readonly cache = new TtlCache<AccessReviewResult>();

  constructor(
    private readonly config: NodeApiAuthorization,
    private readonly nodeName: string,
    private readonly reviewer: () => Reviewer | undefined,
    private readonly logger?: Logger,
  ) {}

  async authorize(user: UserInfo, method: string, pathname: string): Promise<AuthzDecision> {
    if (this.config.mode === 'AlwaysAllow') return { allowed: true };
    const verb = verbFor(method);
    const subresources = subresourcesFor(pathname);
    const describe = `user=${user.username}, verb=${verb}, resource=nodes, subresource(s)=[${subresources.join(' ')}]`;
    const reviewer = this.reviewer();
    if (!reviewer) {
      this.logger?.warn('node API: authorization mode Webhook but no API server client yet');
      return { allowed: false, status: 500, message: `Authorization error (${describe})\n` };
    }
    for (const subresource of subresources) {
      const attributes: AccessAttributes = { user, verb, group: '', version: 'v1', resource: 'nodes', subresource, namespace: '', name: this.nodeName };
      const key = JSON.stringify(attributes);
      let result = this.cache.get(key);
      if (!result) {
        try {
          result = await reviewer.authorize(attributes);
        } catch (err) {
          this.logger?.warn({ err: (err as Error).message, user: user.username, subresource }, 'node API: SubjectAccessReview failed');
          return { allowed: false, status: 500, message: `Authorization error (${describe})\n` };
        }
        this.cache.set(key, result, result.allowed ? this.config.webhook.cacheAuthorizedTTLMs : this.config.webhook.cacheUnauthorizedTTLMs);
      }
      if (result.allowed) return { allowed: true };
    }
    return { allowed: false, status: 403, message: `Forbidden (${describe})\n` };
  }
}
