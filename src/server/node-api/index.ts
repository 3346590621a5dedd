export { NodeApiServer, type NodeApiAddresses } from './server.js';
export { RouteTable } from './router.js';
export type { NodeApiConfig, NodeApiDeps, Route, RouteContext, ServerType, UserInfo } from './types.js';
