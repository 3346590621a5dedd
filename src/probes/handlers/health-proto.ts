import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractedSeaFile, runningAsSea } from '../../lib/package-files.js';
import { loadPackageDefinition, type Client, type ClientUnaryCall, type Metadata, type CallOptions, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const HEALTH_PROTO_FILE = 'proto/grpc-health-v1.proto';

export interface HealthCheckRequest {
  service: string;
}

/** `status` is the enum name ("SERVING"), or the number for a value this proto does not name. */
export interface HealthCheckResponse {
  status: string | number;
}

export interface HealthClient extends Client {
  Check(
    req: HealthCheckRequest,
    metadata: Metadata,
    options: CallOptions,
    cb: (err: ServiceError | null, res?: HealthCheckResponse) => void,
  ): ClientUnaryCall;
}

/**
 * Same lookup as the CRI proto: the file ships at the package root (package.json "files"), not
 * in dist/, so walk up from this module; that works from src/ and from dist/src/ alike.
 */
function findHealthProto(from?: string): string {
  if (from === undefined && runningAsSea()) return extractedSeaFile(HEALTH_PROTO_FILE);
  from ??= dirname(fileURLToPath(import.meta.url));
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, HEALTH_PROTO_FILE);
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`cannot find ${HEALTH_PROTO_FILE} above ${from}`);
  }
}

let cached: ServiceClientConstructor | undefined;

/** The Health client constructor; its `.service` also serves as the definition for test servers. */
export function healthService(): ServiceClientConstructor {
  if (!cached) {
    const def = loadSync(findHealthProto(), { keepCase: true, enums: String, defaults: true });
    const pkg = loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } };
    cached = pkg.grpc.health.v1.Health;
  }
  return cached;
}
