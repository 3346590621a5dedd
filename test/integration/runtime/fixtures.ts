import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { containerLabels, sandboxLabels, type ContainerConfig, type PodSandboxConfig } from '../../../src/runtime/index.js';

/** A minimal sandbox config; hostNetwork pods get no hostname (runc refuses one without a UTS ns). */
export function sandboxConfig(logRoot: string, name: string, hostNetwork: boolean, extraLabels: Record<string, string> = {}): PodSandboxConfig {
  const pod = { name, namespace: 'staticlet-test', uid: randomUUID() };
  return {
    metadata: { ...pod, attempt: 0 },
    ...(hostNetwork ? {} : { hostname: name }),
    logDirectory: join(logRoot, 'logs', pod.uid),
    labels: sandboxLabels(pod, extraLabels),
    annotations: { 'kubernetes.io/config.source': 'file' },
    linux: {
      securityContext: { namespaceOptions: { network: hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } },
    },
  };
}

export function containerConfig(sb: PodSandboxConfig, name: string, image: string, command: string[]): ContainerConfig {
  const pod = { name: sb.metadata.name, namespace: sb.metadata.namespace, uid: sb.metadata.uid };
  return {
    metadata: { name, attempt: 0 },
    image,
    command,
    labels: containerLabels(pod, name),
    logPath: `${name}/0.log`,
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
