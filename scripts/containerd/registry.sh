#!/usr/bin/env bash
# A local plain-HTTP registry on 127.0.0.1 (Debian's docker-registry) for real PullImage calls.
# Sourced by env.sh. Pushed content, as REGISTRY/<repo>:<tag>:
#   staticlet/busybox:1.36, staticlet/busybox:latest, staticlet/pause:3.10

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_registry() {
  local dir=$1 port
  if [[ -f $dir/registry.pid ]] && [[ -d /proc/$(<"$dir/registry.pid") ]]; then return 0; fi
  port=$(free_port)
  mkdir -p "$dir/registry/data"
  cat >"$dir/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  setsid docker-registry serve "$dir/registry/config.yml" >>"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    [[ -d /proc/$(<"$dir/registry.pid") ]] || { tail -n 20 "$dir/registry.log" >&2; echo "docker-registry exited (log: $dir/registry.log)" >&2; return 1; }
    sleep 0.1
  done
  echo "127.0.0.1:$port" >"$dir/registry.addr"
  # containerd reads config_path per pull, so adding the host after start-up is enough.
  mkdir -p "$dir/certs.d/127.0.0.1:$port"
  cat >"$dir/certs.d/127.0.0.1:$port/hosts.toml" <<TOML
server = "http://127.0.0.1:$port"

[host."http://127.0.0.1:$port"]
  capabilities = ["pull", "resolve"]
TOML
}

push_images() {
  local dir=$1 reg
  reg=$(<"$dir/registry.addr")
  local busybox_tag=${BUSYBOX_IMAGE##*:} pause_tag=${PAUSE_IMAGE##*:}
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
    "oci-archive:$dir/images/busybox.tar:$busybox_tag" "docker://$reg/staticlet/busybox:$busybox_tag" >&2
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
    "oci-archive:$dir/images/busybox.tar:$busybox_tag" "docker://$reg/staticlet/busybox:latest" >&2
  skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
    "oci-archive:$dir/images/pause.tar:$pause_tag" "docker://$reg/staticlet/pause:$pause_tag" >&2
}

stop_registry() {
  local dir=$1 pid
  [[ -f $dir/registry.pid ]] || return 0
  pid=$(<"$dir/registry.pid")
  if [[ -d /proc/$pid ]] && grep -qF -- "$dir/registry" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 30; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/registry.pid"
}
