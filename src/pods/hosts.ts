import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostAlias, Pod } from '../api/generated/core-v1.js';
import type { Mount } from '../runtime/index.js';
import { podDir } from '../volumes/paths.js';
import { ContainerConfigError } from './container-config.js';
import type { NodeContext } from '../node/context.js';
import { podHostnameAndDomain, PodSandboxConfigError } from './hostname.js';
import { readRegularFile } from '../safepath/index.js';
import { ensurePodSubdir } from '../volumes/paths.js';

/**
 * The /etc/hosts the kubelet manages for every container of a pod: for pod-network pods the
 * localhost lines and the pod's own names, for host-network pods a copy of the node's file;
 * both end with the pod's hostAliases. The file lives in the pod directory and is mounted over
 * the image's, unless a container mounts /etc/hosts itself.
 */
export const ETC_HOSTS = '/etc/hosts';
export const HOSTS_FILE_NAME = 'etc-hosts';

const HEADER = '# Kubernetes-managed hosts file.\n';
const HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';
const LOCALHOST_LINES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];

/** One line per alias, its hostnames tab-separated, under a marker comment. */
export function hostAliasesSection(aliases: readonly HostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  const lines = aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`);
  return `\n# Entries added by HostAliases.\n${lines.join('')}`;
}

export function podNetworkHostsContent(podIPs: readonly string[], hostname: string, domain: string, aliases?: readonly HostAlias[]): string {
  const own = podIPs.map((ip) => (domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`));
  return `${HEADER}${LOCALHOST_LINES.join('\n')}\n${own.join('')}${hostAliasesSection(aliases)}`;
}

export function hostNetworkHostsContent(nodeHosts: string, aliases?: readonly HostAlias[]): string {
  return `${HEADER_HOST_NETWORK}${nodeHosts}${hostAliasesSection(aliases)}`;
}

export function hostsFilePath(node: Pick<NodeContext, 'rootDir'>, uid: string): string {
  return join(podDir(node, uid), HOSTS_FILE_NAME);
}

/** What the pod's hosts file should hold; undefined while a pod-network pod has no IP yet. */
export async function hostsContent(pod: Pod, node: Pick<NodeContext, 'clusterDomain'>, podIPs: readonly string[], nodeHostsFile = ETC_HOSTS): Promise<string | undefined> {
  const aliases = pod.spec?.hostAliases;
  if (pod.spec?.hostNetwork) {
    let nodeHosts: string;
    try {
      nodeHosts = await readFile(nodeHostsFile, 'utf8');
    } catch (err) {
      throw new ContainerConfigError(`cannot read the node's hosts file ${nodeHostsFile}: ${(err as Error).message}`);
    }
    return hostNetworkHostsContent(nodeHosts, aliases);
  }
  if (podIPs.length === 0) return undefined;
  let names;
  try {
    names = podHostnameAndDomain(pod, node.clusterDomain);
  } catch (err) {
    if (err instanceof PodSandboxConfigError) throw new ContainerConfigError(err.message);
    throw err;
  }
  return podNetworkHostsContent(podIPs, names.hostname, names.domain, aliases);
}

/**
 * Writes the file when its content differs, so containers already running see no churn. The
 * containers can write the file (it is mounted read-write, as the kubelet's is) and grow it
 * to any size: only one byte more than the wanted content is read to compare.
 */
async function writeIfChanged(node: Pick<NodeContext, 'rootDir'>, uid: string, path: string, content: string): Promise<void> {
  const want = Buffer.from(content);
  const current = await readRegularFile(path, want.length + 1);
  if (current?.data.equals(want)) return;
  await ensurePodSubdir(node, uid, []);
  await writeFile(path, want, { mode: 0o644 });
}

/** Mounts the node manages for every container of the pod: the hosts file. */
export async function podManagedMounts(pod: Pod, node: NodeContext, podIPs: readonly string[], nodeHostsFile = ETC_HOSTS): Promise<Mount[]> {
  const content = await hostsContent(pod, node, podIPs, nodeHostsFile);
  if (content === undefined) return [];
  const uid = pod.metadata?.uid ?? '';
  const path = hostsFilePath(node, uid);
  try {
    await writeIfChanged(node, uid, path, content);
  } catch (err) {
    throw new ContainerConfigError(`cannot write the pod's hosts file ${path}: ${(err as Error).message}`);
  }
  return [{ containerPath: ETC_HOSTS, hostPath: path, readonly: false }];
}
