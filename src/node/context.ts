/**
 * Node facts that several concerns share (pod workers, volumes, admission fallbacks): the node's
 * name and addresses, its directories and resources. They belong to no single consumer.
 */
export interface NodeContext {
  nodeName: string;
  /**
   * Node allocatable as a ResourceList (cpu, memory, ephemeral-storage); what is missing is
   * read from the machine. resourceFieldRef falls back to it for unset limits.
   */
  allocatable?: Record<string, string>;
  /** Primary node IP: hostIP of every pod, podIP of host-network pods. */
  hostIP: string;
  /** Per-pod state (volumes) lives under <rootDir>/pods/<uid>. */
  rootDir: string;
  /** CRI log layout root, /var/log/pods by default. */
  podLogsDir: string;
  /** Kubelet-style `<pod>_<namespace>_<container>-<id>.log` symlinks; absent or '': none. */
  containerLogLinksDir?: string;
  clusterDNS: string[];
  clusterDomain?: string;
  /** Host resolver file used for dnsPolicy Default (and ClusterFirst without cluster DNS). */
  resolvConf: string;
  /** Runtime name for containerID URIs ("containerd://..."). */
  runtimeName: string;
}
