// authentication.k8s.io/v1 TokenReview and authorization.k8s.io/v1 SubjectAccessReview, as the
// API server serves them to a kubelet's webhook authenticator and authorizer: create-only,
// nothing stored, the answer in `status`. Decisions come from the test (a token table or
// function, an access function); the spec each review carried is kept on its request record.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './handler.js';
import type { ResourceRequest } from './request-info.js';
import { badRequest, methodNotAllowed } from './status.js';
import type { TokenUser } from './auth.js';
import { isObject, type Json, type JsonObject } from './types.js';

/** What a SubjectAccessReview asks, as its spec carries it. */
export interface AccessReviewSpec {
  user: string;
  groups: string[];
  uid?: string;
  resourceAttributes?: { verb?: string; group?: string; version?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  nonResourceAttributes?: { verb?: string; path?: string };
}

export interface ReviewOptions {
  /** Token → user for TokenReview; the default is the server's bearer token table. */
  tokenReview?: (token: string) => TokenUser | undefined;
  /** Decides SubjectAccessReviews; the default allows all. */
  accessReview?: (spec: AccessReviewSpec) => { allowed: boolean; denied?: boolean; reason?: string };
}

const REVIEWS: Record<string, { group: string; kind: string }> = {
  tokenreviews: { group: 'authentication.k8s.io', kind: 'TokenReview' },
  subjectaccessreviews: { group: 'authorization.k8s.io', kind: 'SubjectAccessReview' },
};

export function isReview(info: ResourceRequest): boolean {
  const r = REVIEWS[info.resource];
  return !!r && r.group === info.group && info.version === 'v1';
}

/** Answers a review; returns the spec for the request log. */
export function serveReview(info: ResourceRequest, body: string, opts: ReviewOptions, tokens: Record<string, TokenUser>, _req: IncomingMessage, res: ServerResponse): JsonObject {
  if (info.verb !== 'create' || info.name || info.subresource) throw methodNotAllowed(info.verb);
  let review: Json;
  try {
    review = JSON.parse(body) as Json;
  } catch (e) {
    throw badRequest(`couldn't decode ${REVIEWS[info.resource]!.kind}: ${(e as Error).message}`);
  }
  const spec = isObject(review) && isObject(review['spec']) ? review['spec'] : {};
  const out: JsonObject = { apiVersion: `${info.group}/v1`, kind: REVIEWS[info.resource]!.kind, metadata: { creationTimestamp: null }, spec };
  if (info.resource === 'tokenreviews') {
    const token = typeof spec['token'] === 'string' ? spec['token'] : '';
    const user = opts.tokenReview ? opts.tokenReview(token) : tokens[token];
    out['status'] = user
      ? { authenticated: true, user: { username: user.user, ...(user.uid ? { uid: user.uid } : {}), groups: [...(user.groups ?? []), 'system:authenticated'] } }
      : { authenticated: false, error: 'invalid bearer token' };
  } else {
    const decision = opts.accessReview ? opts.accessReview(spec as unknown as AccessReviewSpec) : { allowed: true };
    out['status'] = { allowed: decision.allowed, ...(decision.denied ? { denied: true } : {}), ...(decision.reason ? { reason: decision.reason } : {}) };
  }
  sendJson(res, 201, out);
  // The token is a secret: the log keeps the fact that there was one, not the token.
  return 'token' in spec ? { ...spec, token: '<redacted>' } : spec;
}
