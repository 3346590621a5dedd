// kube-apiserver emulator for control-plane tests. Every behaviour it has is one kube-apiserver has.
// Not emulated: protobuf and YAML encodings, server-side apply, managedFields, admission beyond pod
// defaults/tolerations and the mirror-pod rules (no service-account defaulting or token volumes,
// PodSecurity or DefaultStorageClass; NodeRestriction is node-restriction.ts), field validation against
// schemas (fieldValidation=Strict is accepted, unknown fields are kept), events.k8s.io, pods/log,
// exec, binding and eviction, watch in Table form, consistent snapshots for paginated lists, and the
// controllers (namespace finalization, garbage collection) that run beside the server — except the
// CSR approver and the kubelet-client signer (csr.ts).
//
//   const api = await startApiServer({ tokens: { 't0k': { user: 'admin', groups: ['system:masters'] } } });
//   const kc = await api.kubeconfig('admin');                        // token user → token in the file
//   const node = await api.kubeconfig({ user: 'system:node:n1', groups: ['system:nodes'] }); // client cert
//   api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });  // seed as cluster admin
//   api.get('Node', undefined, 'n1'); api.list('pods', 'default'); api.objects;
//   api.requests.filter((r) => r.method === 'PATCH' && r.path === '/api/v1/nodes/n1/status').length;
//   await api.fault({ status: 503, retryAfterSeconds: 2, match: { method: 'PATCH' }, times: 3 });
//   await api.fault({ latencyMs: 500 }); await api.fault({ down: true }); await api.fault(null);
//   startApiServer({ bootstrapTokens: { 'abcdef.0123456789abcdef': {} }, csr: { approval: 'auto' } });
//   api.csr.approval = 'deny'; api.csr.signingDurationSeconds = 30; // CSR approver/signer switches
//   startApiServer({ openapi: { removeFields: ['io.k8s.api.core.v1.PodSpec.hostUsers'] } }); // Pod schemas less a field
//   startApiServer({ reviews: { accessReview: (spec) => ({ allowed: spec.user === 'ops' }) } }); // TokenReview/SAR
//   api.requests.filter((r) => r.review).map((r) => r.review);       // what each review asked
//   api.compact();                                                    // older watches now get 410
//   await api.stop();
export { startApiServer, type ApiServer, type ApiServerOptions, type Fault, type RequestRecord, type Who } from './server.js';
export type { Attributes, Authorizer, BootstrapToken, Decision, TokenUser } from './auth.js';
export type { ApprovalMode, CsrOptions, ServingApprovalMode } from './csr.js';
export type { AccessReviewSpec, ReviewOptions } from './reviews.js';
export type { KubeObject, UserInfo } from './types.js';
export type { OpenApiOptions } from './openapi.js';
