import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/cri-v1.js';

export const PROTO_FILE = 'proto/cri-v1.proto';

/**
 * The .proto ships in the package (package.json "files"), not in dist/, so it is found by walking
 * up from this module; that works from src/ under a TS runner and from dist/src/ alike.
 */
export function findProtoFile(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, PROTO_FILE);
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`cannot find ${PROTO_FILE} above ${from}`);
  }
}

let cached: ProtoGrpcType | undefined;

/** Loader options must match proto/gen-types.sh, or the generated types would lie. */
export function loadCri(): ProtoGrpcType {
  cached ??= loadPackageDefinition(
    loadSync(findProtoFile(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
  ) as unknown as ProtoGrpcType;
  return cached;
}
