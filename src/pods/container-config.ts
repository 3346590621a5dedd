import type { Container, Pod } from '../api/generated/core-v1.js';
import { containerAnnotations, containerLabels, type ContainerConfig, type ImageUser, type Mount } from '../runtime/index.js';
import { containerMounts, podDir, type PodVolumes } from '../volumes/index.js';
import type { NodeContext } from '../node/context.js';
import { containerEnv, expandAll } from './env.js';
import { containerHash } from './hash.js';
import { containerLogPath } from './log-paths.js';
import { hostResources, linuxResources } from './resources.js';
import { namespaceOptions } from './sandbox-config.js';
import { containerSecurityContext } from './security.js';

export { ContainerConfigError } from './config-error.js';

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

export interface ContainerConfigInput {
  pod: Pod;
  container: Container;
  restartCount: number;
  /** Image reference returned by the image manager. */
  imageRef: string;
  /** The image's default user (from the image manager), for runAsNonRoot and runAsUser. */
  imageUser?: ImageUser;
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
  const node = hostResources(input.node.rootDir, input.node.allocatable);
  const envs = containerEnv({
    pod,
    container: c,
    nodeName: input.node.nodeName,
    hostIPs: input.node.hostIP ? [input.node.hostIP] : [],
    podIPs: input.podIPs,
    allocatable: node.allocatable,
  });
  const securityContext = containerSecurityContext({ pod, container: c, ...(input.imageUser ? { imageUser: input.imageUser } : {}), rootDir: input.node.rootDir });
  const own = await containerMounts(c, input.volumes, new Map(envs.map((e) => [e.key, e.value])), podDir(input.node, identity.uid));
  const extra = (input.extraMounts ?? []).filter((m) => !own.some((o) => o.containerPath === m.containerPath));
  return {
    metadata: { name: c.name, attempt: restartCount },
    image: input.imageRef,
    userSpecifiedImage: c.image ?? '',
    ...(c.command ? { command: expandAll(c.command, envs) } : {}),
    ...(c.args ? { args: expandAll(c.args, envs) } : {}),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    envs,
    mounts: [...own, ...extra],
    labels: containerLabels(identity, c.name),
    // The grace period and preStop handler travel with the container so that a restarted
    // supervisor can stop an orphan properly without its manifest.
    annotations: containerAnnotations({
      hash: containerHash(c, pod),
      restartCount,
      terminationGracePeriodSeconds: gracePeriodSeconds(pod),
      terminationMessagePath: c.terminationMessagePath || DEFAULT_TERMINATION_MESSAGE_PATH,
      terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
      ...(c.ports ? { portsJson: JSON.stringify(c.ports) } : {}),
      ...(preStop ? { preStopHandlerJson: JSON.stringify(preStop) } : {}),
    }),
    logPath: containerLogPath(c.name, restartCount),
    stdin: c.stdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: {
      resources: linuxResources(pod, c, node),
      securityContext: { ...securityContext, namespaceOptions: namespaceOptions(pod) },
    },
  };
}
