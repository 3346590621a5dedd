import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type MethodDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { extractedSeaFile, runningAsSea } from '../../lib/package-files.js';
import type { ProtoGrpcType } from '../generated/cri-v1.js';
import type * as W from './wire.js';

export const PROTO_FILE = 'proto/cri-v1.proto';
/** Every proto this module loads, as the single executable carries them (scripts/build-sea.ts). */
export const SEA_PROTO_FILES = [PROTO_FILE, 'proto/cri-v1-relist.proto', 'proto/containerd-tasks-v1.proto'] as const;

/**
 * The .proto ships in the package (package.json "files"), not in dist/, so it is found by walking
 * up from this module; that works from src/ under a TS runner and from dist/src/ alike.
 */
export function findProtoFile(from?: string): string {
  if (from === undefined && runningAsSea()) {
    // The relist and task protos are found next to this one (and import it): extract them all.
    for (const f of SEA_PROTO_FILES) extractedSeaFile(f);
    return extractedSeaFile(PROTO_FILE);
  }
  from ??= dirname(fileURLToPath(import.meta.url));
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, PROTO_FILE);
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`cannot find ${PROTO_FILE} above ${from}`);
  }
}

let cached: ProtoGrpcType | undefined;

/** Loader options must match proto/gen-types.sh, or the generated types would lie. */
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export function loadCri(): ProtoGrpcType {
  cached ??= loadPackageDefinition(loadSync(findProtoFile(), LOADER_OPTIONS)) as unknown as ProtoGrpcType;
  return cached;
}

/** The two relist calls, with the ordinary requests and lean response decoders (proto/cri-v1-relist.proto). */
export interface RelistMethods {
  ListPodSandbox: MethodDefinition<W.ListPodSandboxRequest, W.SandboxStates__Output>;
  ListContainers: MethodDefinition<W.ListContainersRequest, W.ContainerStates__Output>;
}

let relist: RelistMethods | undefined;

export function loadRelist(): RelistMethods {
  if (!relist) {
    const file = findProtoFile().replace(/cri-v1\.proto$/, 'cri-v1-relist.proto');
    const def = loadSync(file, { ...LOADER_OPTIONS, includeDirs: [dirname(file)] })['staticlet.relist.Relist'] as ServiceDefinition;
    // Sent to the runtime's own service: only the decoding of the answer differs.
    const onRuntime = (name: keyof RelistMethods): MethodDefinition<object, object> => ({ ...def[name]!, path: `/runtime.v1.RuntimeService/${name}` });
    relist = { ListPodSandbox: onRuntime('ListPodSandbox'), ListContainers: onRuntime('ListContainers') } as RelistMethods;
  }
  return relist;
}

/** ListPodSandboxStats (proto/cri-v1-sandbox-stats.proto), sent to the runtime's own service. */
export type SandboxStatsMethod = MethodDefinition<W.ListPodSandboxStatsRequest, W.ListPodSandboxStatsResponse__Output>;

let sandboxStats: SandboxStatsMethod | undefined;

export function loadSandboxStats(): SandboxStatsMethod {
  if (!sandboxStats) {
    const file = findProtoFile().replace(/cri-v1\.proto$/, 'cri-v1-sandbox-stats.proto');
    const def = loadSync(file, { ...LOADER_OPTIONS, includeDirs: [dirname(file)] })['staticlet.sandboxstats.SandboxStats'] as ServiceDefinition;
    sandboxStats = { ...def.ListPodSandboxStats!, path: '/runtime.v1.RuntimeService/ListPodSandboxStats' } as SandboxStatsMethod;
  }
  return sandboxStats;
}

/** containerd's own task service, two calls of it (proto/containerd-tasks-v1.proto). */
export interface ContainerdTaskMethods {
  Kill: MethodDefinition<W.TaskKillRequest, object>;
  Delete: MethodDefinition<W.TaskDeleteRequest, object>;
}

let tasks: ContainerdTaskMethods | undefined;

export function loadContainerdTasks(): ContainerdTaskMethods {
  if (!tasks) {
    const file = findProtoFile().replace(/cri-v1\.proto$/, 'containerd-tasks-v1.proto');
    const def = loadSync(file, LOADER_OPTIONS)['containerd.services.tasks.v1.Tasks'] as ServiceDefinition;
    tasks = { Kill: def.Kill!, Delete: def.Delete! } as ContainerdTaskMethods;
  }
  return tasks;
}
