/**
 * The node API's TokenReview and SubjectAccessReview calls (authentication.k8s.io/v1,
 * authorization.k8s.io/v1), made with the control plane's clients. Caching is the node API's:
 * it knows the TTLs and what a request needs.
 */
import type { AuthenticationV1Api, AuthorizationV1Api } from '@kubernetes/client-node';
import type { AccessAttributes, AccessReviewResult, Reviewer, ReviewUser, TokenReviewResult } from './index.js';

export class ApiReviewer implements Reviewer {
  constructor(
    private readonly authentication: AuthenticationV1Api,
    private readonly authorization: AuthorizationV1Api,
  ) {}

  async reviewToken(token: string): Promise<TokenReviewResult> {
    const review = await this.authentication.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const s = review.status;
    const name = s?.user?.username;
    if (!s?.authenticated || !name) return { authenticated: false, ...(s?.error ? { error: s.error } : {}) };
    const user: ReviewUser = { username: name, groups: s.user?.groups ?? [] };
    if (s.user?.uid) user.uid = s.user.uid;
    if (s.user?.extra) user.extra = s.user.extra;
    return { authenticated: true, user };
  }

  async authorize(a: AccessAttributes): Promise<AccessReviewResult> {
    const review = await this.authorization.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: a.user.username,
          groups: a.user.groups,
          ...(a.user.uid ? { uid: a.user.uid } : {}),
          ...(a.user.extra ? { extra: a.user.extra } : {}),
          resourceAttributes: {
            verb: a.verb,
            group: a.group,
            version: a.version,
            resource: a.resource,
            subresource: a.subresource,
            namespace: a.namespace,
            name: a.name,
          },
        },
      },
    });
    const s = review.status;
    return { allowed: s?.allowed === true && s.denied !== true, ...(s?.reason ? { reason: s.reason } : {}) };
  }
}
