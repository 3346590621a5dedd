#!/usr/bin/env bash
# Writes a private containerd config and CNI conflist under DIR (sourced by env.sh).
#
# Everything containerd or its shims write lives under DIR (root, state, runc root, netns mounts,
# host-local IPAM data), so one `rm -rf DIR` after `env.sh down` leaves the host as it was.

write_config() {
  local dir=$1 pause_image=$2
  local id; id=$(printf '%s' "$dir" | sha256sum | cut -c1-8)
  mkdir -p "$dir/cni/net.d" "$dir/certs.d" "$dir/logs" "$dir/root" "$dir/state"
  # Bridge names are host-global and at most 15 chars; the dir hash keeps parallel envs apart,
  # and picks each env its own /24 in 10.100.0.0/14 so their routes never overlap.
  # isGateway gives the bridge the .1 address, so the node reaches its pods (httpGet and
  # tcpSocket probes go from the node to the pod IP, as the kubelet's do); no NAT (ipMasq off).
  # portmap makes hostPort work (iptables DNAT rules, removed with the pod).
  local subnet=${STATICLET_POD_SUBNET:-10.$((100 + 0x${id:0:2} % 4)).$((0x${id:2:2})).0/24}
  cat >"$dir/cni/net.d/10-staticlet.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "staticlet-$id",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "stl$id",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/cni/ipam",
        "ranges": [[{ "subnet": "$subnet" }]]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

  cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
# Plugins that would touch global paths or are useless here.
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  address = ""
  level = "${STATICLET_CONTAINERD_LOG_LEVEL:-info}"

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$dir/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$pause_image"
    # This machine refuses negative oom_score_adj; without this, sandbox creation fails with
    # "can't get final child's PID from pipe".
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    enable_selinux = false
    disable_apparmor = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    stats_collect_period = 1

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "${STATICLET_SNAPSHOTTER:-overlayfs}"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          Root = "$dir/runc"
          SystemdCgroup = false

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$dir/cni/net.d"
      max_conf_num = 1

    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$dir/certs.d"
TOML
}
