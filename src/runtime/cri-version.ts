/**
 * CRI API version staticlet speaks; sent in VersionRequest. A module of its own so that
 * `--version`, registered for every command, does not load the gRPC client to print it.
 */
export const CRI_API_VERSION = 'v1';
