#!/usr/bin/env bash
# A private containerd (CRI v1) for tests, benchmarks and the demo, fully contained in one directory.
#
#   env.sh up DIR [--registry]  install missing packages, build + import the local images, start
#                               containerd; prints the socket path (unix socket, no scheme) on stdout.
#                               --registry also starts a local plain-HTTP registry and pushes the
#                               images to it. Facts are written to DIR/env (sourceable):
#                                 CONTAINERD_SOCK, CONTAINERD_PID, BUSYBOX_IMAGE, PAUSE_IMAGE,
#                                 REGISTRY (host:port, with --registry)
#   env.sh start DIR            (re)start containerd on an existing DIR (shims are re-adopted)
#   env.sh kill DIR             SIGKILL containerd only, leaving shims running (restart tests)
#   env.sh down DIR             remove every container/sandbox, stop containerd, shims and the
#                               registry, unmount, then `check`; exits non-zero if anything is left
#   env.sh check DIR            report leftover processes, mounts, netns and bridge; non-zero if any
#
# Logs: DIR/containerd.log, DIR/registry.log. Image names can be overridden with
# STATICLET_BUSYBOX_IMAGE / STATICLET_PAUSE_IMAGE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=config.sh
source "$here/config.sh"
# shellcheck source=registry.sh
source "$here/registry.sh"

BUSYBOX_IMAGE=${STATICLET_BUSYBOX_IMAGE:-staticlet.local/busybox:1.36}
PAUSE_IMAGE=${STATICLET_PAUSE_IMAGE:-staticlet.local/pause:3.10}

die() { echo "staticlet containerd env: $*" >&2; exit 1; }

abs_dir() {
  [[ -n "${1:-}" ]] || die "missing DIR argument"
  mkdir -p "$1"
  (cd "$1" && pwd)
}

containerd_pid() {
  local pidfile=$1/containerd.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ -d /proc/$pid ]] && grep -qF -- "$1/config.toml" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

ctr_() { ctr -a "$DIR/containerd.sock" -n k8s.io "$@"; }

start_containerd() {
  if containerd_pid "$DIR" >/dev/null; then return 0; fi
  rm -f "$DIR/containerd.sock"
  # setsid: a Ctrl-C in the caller's terminal must not reach containerd half-way through a call.
  setsid containerd --config "$DIR/config.toml" >>"$DIR/containerd.log" 2>&1 </dev/null &
  local pid=$! i
  echo "$pid" >"$DIR/containerd.pid"
  for ((i = 0; i < 150; i++)); do
    if [[ -S "$DIR/containerd.sock" ]] && ctr -a "$DIR/containerd.sock" version >/dev/null 2>&1; then
      return 0
    fi
    # Right after fork the cmdline is still bash's, so only existence is checked here.
    if [[ ! -d /proc/$pid ]]; then
      tail -n 20 "$DIR/containerd.log" >&2 || true
      die "containerd exited during start-up (log: $DIR/containerd.log)"
    fi
    sleep 0.1
  done
  die "containerd did not answer on $DIR/containerd.sock within 15s (log: $DIR/containerd.log)"
}

write_env() {
  {
    echo "CONTAINERD_SOCK=$DIR/containerd.sock"
    echo "CONTAINERD_PID=$(containerd_pid "$DIR" || true)"
    echo "BUSYBOX_IMAGE=$BUSYBOX_IMAGE"
    echo "PAUSE_IMAGE=$PAUSE_IMAGE"
    if [[ -f $DIR/registry.addr ]]; then echo "REGISTRY=$(<"$DIR/registry.addr")"; fi
  } >"$DIR/env"
}

cmd_up() {
  local with_registry=
  [[ "${1:-}" == "--registry" ]] && with_registry=--registry
  if [[ -n "${CI:-}" ]]; then
    # CI installs packages in .ci/run; a missing binary there is a setup bug to report, not mask.
    "$here/install.sh" $with_registry --check-only
  else
    "$here/install.sh" $with_registry
  fi
  if [[ ! -f $DIR/images/busybox.tar || ! -f $DIR/images/pause.tar ]]; then
    STATICLET_BUSYBOX_IMAGE=$BUSYBOX_IMAGE STATICLET_PAUSE_IMAGE=$PAUSE_IMAGE \
      "$here/build-images.sh" "$DIR/images"
  fi
  write_config "$DIR" "$PAUSE_IMAGE"
  start_containerd
  ctr_ images import "$DIR/images/busybox.tar" >/dev/null
  ctr_ images import "$DIR/images/pause.tar" >/dev/null
  if [[ -n $with_registry ]]; then
    start_registry "$DIR"
    push_images "$DIR"
  fi
  write_env
  echo "$DIR/containerd.sock"
}

cmd_kill() {
  local pid
  pid=$(containerd_pid "$DIR") || die "containerd is not running for $DIR"
  kill -KILL "$pid"
  while [[ -d /proc/$pid ]]; do sleep 0.05; done
}

# PIDs of every process started for DIR: containerd, its shims, the registry.
owned_pids() {
  local p cmd
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    [[ $cmd == *"$DIR/"* ]] && [[ ${p#/proc/} != "$$" ]] && [[ $cmd != *"env.sh"* ]] && echo "${p#/proc/}"
  done
  return 0
}

bridge_name() { echo "stl$(printf '%s' "$DIR" | sha256sum | cut -c1-8)"; }

cmd_down() {
  if [[ ! -f $DIR/config.toml ]]; then return 0; fi
  # Shims outlive containerd; a running containerd is needed to stop them cleanly.
  if [[ -n $(owned_pids) ]] && ! containerd_pid "$DIR" >/dev/null; then
    start_containerd || true
  fi
  if containerd_pid "$DIR" >/dev/null; then
    local id
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      ctr_ tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_ tasks ls -q 2>/dev/null); do
      ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ containers delete "$id" >/dev/null 2>&1 || true
    done
    local pid; pid=$(containerd_pid "$DIR")
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50 && ${#pid} > 0; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [[ -d /proc/$pid ]] && kill -KILL "$pid" 2>/dev/null || true
  fi
  stop_registry "$DIR"
  local p
  for p in $(owned_pids); do kill -KILL "$p" 2>/dev/null || true; done
  sleep 0.2
  # Deepest first, so nested rootfs/netns mounts come off before their parents.
  local m
  for m in $(awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  local br; br=$(bridge_name)
  if command -v ip >/dev/null && ip link show "$br" >/dev/null 2>&1; then ip link del "$br" || true; fi
  cmd_check
}

cmd_check() {
  local left=0 p
  for p in $(owned_pids); do
    echo "leftover process $p: $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")" >&2
    left=1
  done
  if awk -v d="$DIR/" 'index($5, d) == 1 { found = 1; print "leftover mount " $5 > "/dev/stderr" } END { exit !found }' /proc/self/mountinfo; then
    left=1
  fi
  if [[ -d $DIR/runc/k8s.io ]] && [[ -n $(ls -A "$DIR/runc/k8s.io") ]]; then
    echo "leftover runc containers: $(ls -A "$DIR/runc/k8s.io" | tr '\n' ' ')" >&2
    left=1
  fi
  local br; br=$(bridge_name)
  if command -v ip >/dev/null && ip link show "$br" >/dev/null 2>&1; then
    echo "leftover bridge $br" >&2
    left=1
  fi
  return $left
}

sub=${1:-}
shift || true
case "$sub" in
  up) DIR=$(abs_dir "${1:-}"); shift; cmd_up "$@" ;;
  start) DIR=$(abs_dir "${1:-}"); start_containerd; write_env ;;
  kill) DIR=$(abs_dir "${1:-}"); cmd_kill ;;
  down) DIR=$(abs_dir "${1:-}"); cmd_down ;;
  check) DIR=$(abs_dir "${1:-}"); cmd_check ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
