import type { Container, EnvVar, Pod } from '../api/generated/core-v1.js';
import { containerAnnotations, containerLabels, type ContainerConfig, type KeyValue, type Mount } from '../runtime/index.js';
import { containerMounts, type PodVolumes } from '../volumes/index.js';
import type { NodeContext } from './context.js';
import { containerHash } from './hash.js';
import { containerLogPath } from './log-paths.js';
import { namespaceOptions } from './sandbox-config.js';

/** A container that cannot be configured from its spec: status CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  restartCount: number;
  /** Image reference returned by the image manager. */
  imageRef: string;
  node: NodeContext;
  podIPs: string[];
  volumes: PodVolumes;
  /** Mounts the node adds to every container (the managed /etc/hosts), unless the container mounts that path itself. */
  extraMounts?: readonly Mount[];
}

export function gracePeriodSeconds(pod: Pod): number {
  return pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
}

export async function containerConfig(input: ContainerConfigInput): Promise<ContainerConfig> {
  const { pod, container: c, restartCount } = input;
  const meta = pod.metadata ?? {};
  const identity = { name: meta.name ?? '', namespace: meta.namespace ?? 'default', uid: meta.uid ?? '' };
  const preStop = c.lifecycle?.preStop;
  const envs = envVars(input);
  const own = await containerMounts(c, input.volumes, new Map(envs.map((e) => [e.key, e.value])));
  const extra = (input.extraMounts ?? []).filter((m) => !own.some((o) => o.containerPath === m.containerPath));
  return {
    metadata: { name: c.name, attempt: restartCount },
    image: input.imageRef,
    userSpecifiedImage: c.image ?? '',
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    envs,
    mounts: [...own, ...extra],
    labels: containerLabels(identity, c.name),
    // The grace period and preStop handler travel with the container so that a restarted
    // supervisor can stop an orphan properly without its manifest.
    annotations: containerAnnotations({
      hash: containerHash(c),
      restartCount,
      terminationGracePeriodSeconds: gracePeriodSeconds(pod),
      terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
      terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
      ...(c.ports ? { portsJson: JSON.stringify(c.ports) } : {}),
      ...(preStop ? { preStopHandlerJson: JSON.stringify(preStop) } : {}),
    }),
    logPath: containerLogPath(c.name, restartCount),
    stdin: c.stdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: { securityContext: { namespaceOptions: namespaceOptions(pod) } },
  };
}

function envVars(input: ContainerConfigInput): KeyValue[] {
  return (input.container.env ?? []).map((e) => ({ key: e.name, value: envValue(e, input) }));
}

function envValue(e: EnvVar, input: ContainerConfigInput): string {
  if (!e.valueFrom) return e.value ?? '';
  const ref = e.valueFrom.fieldRef;
  if (!ref) throw new ContainerConfigError(`env ${e.name}: only value and valueFrom.fieldRef are supported`);
  const meta = input.pod.metadata ?? {};
  const path = ref.fieldPath;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return input.node.nodeName;
    case 'spec.serviceAccountName':
      return input.pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return input.node.hostIP;
    case 'status.podIP':
      return input.podIPs[0] ?? '';
    case 'status.podIPs':
      return input.podIPs.join(',');
    default:
      throw new ContainerConfigError(`env ${e.name}: unsupported fieldRef ${path}`);
  }
}
