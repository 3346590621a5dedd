import { InvalidArgumentError, Option, type Command } from 'commander';

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('must be an integer');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}

/** Byte sizes as plain numbers or with Ki/Mi/Gi suffixes, for limits like --max-manifest-size. */
export function sizeArg(value: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a byte count such as 4194304 or 4Mi');
  const mult = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1;
  return Number(m[1]) * mult;
}

/** `--flag`, `--flag=true|false`, as Go's boolean flags take them. */
export function boolArg(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('must be true or false');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Flags shared by commands that turn manifests into pods: they must agree on identity. */
export function addIdentityFlags(cmd: Command): Command {
  return cmd
    .option('--hostname-override <name>', 'node name to use instead of the host name (static pod names end in it)')
    .option('--max-manifest-size <bytes>', 'refuse manifests larger than this (default 4Mi)', sizeArg);
}

export function addLoggingFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--logging-format <format>', 'log format (default: text on a terminal, json otherwise)').choices(['json', 'text']))
    .option('-v, --v <level>', 'log verbosity: 0 info, 1-3 debug, 4+ trace', intArg(0, 10));
}

export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'KubeletConfiguration (kubelet.config.k8s.io/v1beta1) file; flags override it')
    .option('--pod-manifest-path <path>', 'directory of static pod manifests, or one manifest file (staticPodPath)')
    .option('--allow-insecure-manifests', 'read manifests that users other than root could have written (refused by default), with a warning')
    .option('--manifest-url <url>', 'URL serving static pod manifests (staticPodURL)')
    .option('--manifest-url-header <key:value>', 'header for --manifest-url requests; repeatable or comma-separated', collect)
    .option('--file-check-frequency <duration>', 'full rescan period of the manifest directory (default 20s)')
    .option('--http-check-frequency <duration>', 'poll period of the manifest URL (default 20s)')
    .option('--sync-frequency <duration>', 'period of full pod resync (default 1m)')
    .option('--container-runtime-endpoint <endpoint>', 'CRI runtime endpoint (default unix:///run/containerd/containerd.sock)')
    .option('--image-service-endpoint <endpoint>', 'CRI image service endpoint when it differs from the runtime one')
    .option('--runtime-request-timeout <duration>', 'deadline of runtime calls, except long-running ones (default 2m)')
    .option('--kubeconfig <file>', 'kubeconfig of the API server to register with (optional: standalone without it)')
    .option('--bootstrap-kubeconfig <file>', 'kubeconfig used to request a client certificate when --kubeconfig has none valid; the issued one is written to --kubeconfig (TLS bootstrap)')
    .option('--cert-dir <dir>', 'where the client certificate is stored (default <root-dir>/pki)')
    .option('--rotate-certificates [bool]', 'request a new client certificate before the current one expires (rotateCertificates; default false)', boolArg)
    .option('--rotate-server-certificates [bool]', 'request the node API serving certificate from the API server and renew it before it expires (serverTLSBootstrap; default false)', boolArg)
    .option('--address <ip>', 'address of the node API server (default 0.0.0.0)')
    .option('--port <port>', 'port of the node API server (default 10250)', intArg(0, 65535))
    .option('--read-only-port <port>', 'read-only node API port; 0 disables it (default 0)', intArg(0, 65535))
    .option('--healthz-port <port>', 'port of the plain-HTTP /healthz; 0 disables it (default 10248)', intArg(0, 65535))
    .option('--healthz-bind-address <ip>', 'address of the plain-HTTP /healthz (default 127.0.0.1)')
    .option('--tls-cert-file <file>', 'serving certificate of the node API (default: self-signed under --cert-dir)')
    .option('--tls-private-key-file <file>', 'private key of --tls-cert-file')
    .option('--client-ca-file <file>', 'client certificates signed by this CA authenticate to the node API (CN user, O groups)')
    .option('--anonymous-auth [bool]', 'let unauthenticated node API requests in as system:anonymous (default false)', boolArg)
    .option('--authentication-token-webhook [bool]', 'check bearer tokens with TokenReview (needs --kubeconfig; default true)', boolArg)
    .addOption(new Option('--authorization-mode <mode>', 'node API authorization (default Webhook with --kubeconfig, else AlwaysAllow)').choices(['AlwaysAllow', 'Webhook']))
    .option('--root-dir <dir>', 'directory for staticlet state (default /var/lib/staticlet)')
    .option('--pod-logs-dir <dir>', 'root of the CRI pod log layout (podLogsDir; default /var/log/pods)')
    .option('--container-log-links-dir <dir>', "symlinks to container logs named like the kubelet's, for log shippers; empty disables (default /var/log/containers)")
    .option('--pod-log-retention <duration>', 'how long logs of a removed pod are kept (default 1h)')
    .option('--housekeeping-schedule <job=cron>', 'when a housekeeping job runs (container-gc, image-gc, orphaned-pod-dirs, pod-log-retention, pressure); repeatable', collect)
    .option('--status-socket <path>', 'unix socket of the local status API (default <root-dir>/staticlet.sock)')
    .option('--node-ip <ip>', 'node IP reported as hostIP (default: first non-loopback IPv4 address)')
    .option('--max-pods <n>', 'maximum number of pods on this node (default 110)', intArg(1))
    .option('--node-labels <key=value,...>', "labels added to the node's own (kubernetes.io/hostname, os, arch), for nodeSelector and node affinity")
    .option('--register-node [bool]', 'with --kubeconfig: register the Node with the API server (default true)', boolArg)
    .option('--register-with-taints <key=value:Effect,...>', 'taints the Node is registered with (registerWithTaints)');
}
