import type { Container, Pod, PodSpec } from '../../../src/api/generated/core-v1.js';
import type { ContainerInstance, PodRuntimeState } from '../../../src/pods/instances.js';
import type { PlanInput } from '../../../src/pods/plan.js';
import { containerHash } from '../../../src/pods/hash.js';
import { CONTAINER_HASH_ANNOTATION, CONTAINER_NAME_LABEL, CONTAINER_RESTART_COUNT_ANNOTATION, type PodSandboxStatus } from '../../../src/runtime/index.js';

export const T0 = Date.parse('2026-11-25T10:00:00Z');

export function container(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox', ...extra };
}

export function pod(spec: Partial<PodSpec>): Pod {
  return { metadata: { name: 'p-node', namespace: 'default', uid: 'uid-1' }, spec: { containers: [], ...spec } };
}

export function sandbox(id: string, extra: Partial<PodSandboxStatus> = {}): PodSandboxStatus {
  return {
    id,
    metadata: { name: 'p-node', namespace: 'default', uid: 'uid-1', attempt: 0 },
    state: 'ready',
    createdAt: T0,
    labels: {},
    annotations: {},
    runtimeHandler: '',
    ip: '10.0.0.2',
    additionalIps: [],
    ...extra,
  };
}

let seq = 0;
/** A runtime instance of container `c` of the fake pod. */
export function inst(c: Container, opts: Partial<ContainerInstance> & { restartCount?: number; hash?: string; sandbox?: string } = {}): ContainerInstance {
  const { restartCount = 0, hash = containerHash(c), sandbox: sb = 'sb1', ...rest } = opts;
  const createdAt = T0 + 1000 * (restartCount + 1) + seq++;
  return {
    id: `${c.name}-${restartCount}-${seq}`,
    podSandboxId: sb,
    metadata: { name: c.name, attempt: restartCount },
    state: 'running',
    createdAt,
    startedAt: createdAt,
    finishedAt: 0,
    exitCode: 0,
    image: 'busybox',
    imageRef: 'sha256:1',
    reason: '',
    message: '',
    labels: { [CONTAINER_NAME_LABEL]: c.name },
    annotations: { [CONTAINER_HASH_ANNOTATION]: hash, [CONTAINER_RESTART_COUNT_ANNOTATION]: String(restartCount) },
    mounts: [],
    logPath: '',
    ...rest,
  };
}

export function exited(c: Container, exitCode: number, opts: Parameters<typeof inst>[1] = {}): ContainerInstance {
  const i = inst(c, opts);
  return { ...i, state: 'exited', exitCode, finishedAt: i.startedAt + 500, ...opts };
}

export interface PlanOpts {
  now?: number;
  backoff?: Record<string, number>;
  history?: Record<string, number>;
  started?: Record<string, boolean>;
  startTime?: number;
}

export function planInput(p: Pod, state: Partial<PodRuntimeState>, o: PlanOpts = {}): PlanInput {
  const all = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])];
  return {
    pod: p,
    state: { sandboxes: state.sandboxes ?? [], containers: state.containers ?? [] },
    now: o.now ?? T0 + 60_000,
    startTime: o.startTime ?? T0,
    hashes: Object.fromEntries(all.map((c) => [c.name, containerHash(c)])),
    backoffRemaining: (name) => o.backoff?.[name] ?? 0,
    backoffDelay: (name) => (o.backoff?.[name] ? 10_000 : 0),
    restartHistory: (name) => o.history?.[name] ?? -1,
    ...(o.started ? { started: (name: string) => o.started![name] ?? false } : {}),
  };
}
