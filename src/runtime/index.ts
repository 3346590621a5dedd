/** The one module that speaks CRI; everything else imports from here. */
export * from './types.js';
export * from './errors.js';
export * from './labels.js';
export * from './endpoint.js';
export * from './backoff.js';
export * from './pull-policy.js';
export * from './image-manager.js';
export * from './handshake.js';
export { CriClient, CRI_API_VERSION, DEFAULT_RUNTIME_REQUEST_TIMEOUT_MS, DEFAULT_SHORT_TIMEOUT_MS, type CriClientOptions } from './grpc/client.js';
