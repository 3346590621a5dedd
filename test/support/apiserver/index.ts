// The kube-apiserver emulator for control-plane tests: see server.ts for the API.
export { startApiServer, type ApiServer, type ApiServerOptions, type Fault, type RequestRecord, type Who } from './server.js';
export type { Attributes, Authorizer, Decision, TokenUser } from './auth.js';
export type { KubeObject, UserInfo } from './types.js';
