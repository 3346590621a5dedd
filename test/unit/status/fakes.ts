/** Builders for status tests: a pod, runtime container instances and an observation. */
import type { Container, Pod, PodSpec } from '../../../src/api/generated/core-v1.js';
import { containerAnnotations, containerLabels, type ContainerStatus, type PodSandboxStatus } from '../../../src/runtime/index.js';
import type { PodObservation } from '../../../src/status/index.js';

/** 2026-11-25T10:00:00Z */
export const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
export const sec = (n: number): number => T0 + n * 1000;
export const iso = (n: number): string => new Date(sec(n)).toISOString().replace('.000Z', 'Z');

export const HOST_IP = '192.0.2.10';
const POD_ID = { name: 'web-node-1', namespace: 'default', uid: 'uid-1' };

export function pod(spec: Partial<PodSpec> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD_ID.name, namespace: POD_ID.namespace, uid: POD_ID.uid },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  };
}

export function ctr(name: string, extra: Partial<Container> = {}): Container {
  return { name, image: `${name}:1`, ...extra };
}

export function sidecar(name: string, extra: Partial<Container> = {}): Container {
  return ctr(name, { restartPolicy: 'Always', ...extra });
}

let seq = 0;

/** A runtime container instance with sensible defaults; state decides which times are set. */
export class Inst {
  private s: ContainerStatus;

  constructor(name: string, restartCount = 0) {
    seq++;
    this.s = {
      id: `c${seq.toString().padStart(4, '0')}`,
      metadata: { name, attempt: restartCount },
      state: 'created',
      createdAt: sec(1),
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      image: `docker.io/library/${name}:1`,
      imageRef: `sha256:${name}`,
      reason: '',
      message: '',
      labels: containerLabels(POD_ID, name),
      annotations: containerAnnotations({ hash: 'h', restartCount }),
      mounts: [],
      logPath: '',
    };
  }

  id(id: string): this {
    this.s.id = id;
    return this;
  }

  created(at: number): this {
    this.s.createdAt = sec(at);
    return this;
  }

  running(startedAt: number): this {
    this.s.state = 'running';
    this.s.startedAt = sec(startedAt);
    return this;
  }

  exited(code: number, startedAt: number, finishedAt: number, reason = ''): this {
    this.s.state = 'exited';
    this.s.exitCode = code;
    this.s.startedAt = sec(startedAt);
    this.s.finishedAt = sec(finishedAt);
    this.s.reason = reason;
    return this;
  }

  unknown(): this {
    this.s.state = 'unknown';
    return this;
  }

  message(m: string): this {
    this.s.message = m;
    return this;
  }

  build(): ContainerStatus {
    return structuredClone(this.s);
  }
}

export const inst = (name: string, restartCount = 0): Inst => new Inst(name, restartCount);

export function sandbox(extra: Partial<PodSandboxStatus> = {}): PodSandboxStatus {
  return {
    id: 'sb1',
    metadata: { name: POD_ID.name, namespace: POD_ID.namespace, uid: POD_ID.uid, attempt: 0 },
    state: 'ready',
    createdAt: sec(0),
    labels: {},
    annotations: {},
    runtimeHandler: '',
    ip: '10.88.0.5',
    additionalIps: [],
    namespaceOptions: { network: 'POD' },
    ...extra,
  };
}

export function obs(p: Pod, containers: Array<Inst | ContainerStatus>, extra: Partial<PodObservation> = {}): PodObservation {
  return {
    pod: p,
    sandbox: sandbox(),
    containers: containers.map((c) => (c instanceof Inst ? c.build() : c)),
    waiting: {},
    hostIP: HOST_IP,
    startTime: sec(0),
    now: sec(100),
    ...extra,
  };
}
