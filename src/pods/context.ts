/** Node facts the pod workers need to turn a Pod into CRI configs. */
export interface NodeContext {
  nodeName: string;
  /** Primary node IP: hostIP of every pod, podIP of host-network pods. */
  hostIP: string;
  /** Per-pod state (volumes) lives under <rootDir>/pods/<uid>. */
  rootDir: string;
  /** CRI log layout root, /var/log/pods by default. */
  podLogsDir: string;
  clusterDNS: string[];
  clusterDomain?: string;
  /** Host resolver file used for dnsPolicy Default (and ClusterFirst without cluster DNS). */
  resolvConf: string;
  /** Runtime name for containerID URIs ("containerd://..."). */
  runtimeName: string;
}
