#!/usr/bin/env bash
# Installs the Debian packages the private containerd environment needs, only when a binary is
# missing, so that repeated test runs on a prepared machine cost nothing.
#
#   install.sh            containerd, runc, CNI plugins (+ iptables for portmap), busybox-static
#   install.sh --registry also docker-registry and skopeo (for real PullImage tests), and
#                         prometheus (promtool checks the metrics exposition; the node API's
#                         acceptance test scrapes with a real Prometheus)
#   --check-only          report what is missing and fail instead of installing (CI, where the
#                         CI script owns installation)
set -euo pipefail

registry= check_only=
for a in "$@"; do
  case "$a" in
    --registry) registry=1 ;;
    --check-only) check_only=1 ;;
    *) echo "install.sh: unknown flag $a" >&2; exit 2 ;;
  esac
done

want=(containerd:containerd ctr:containerd runc:runc busybox:busybox-static iptables:iptables)
[[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback && -x /usr/lib/cni/portmap ]] || want+=(_cni:containernetworking-plugins)
if [[ -n $registry ]]; then
  want+=(docker-registry:docker-registry skopeo:skopeo promtool:prometheus)
fi

missing=()
for pair in "${want[@]}"; do
  bin=${pair%%:*} pkg=${pair#*:}
  if [[ "$bin" == _* ]] || ! command -v "$bin" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
# busybox from the busybox package is dynamically linked; the image layer needs the static one.
if [[ -x /bin/busybox ]] && ldd /bin/busybox >/dev/null 2>&1; then missing+=(busybox-static); fi

if (( ${#missing[@]} == 0 )); then exit 0; fi
if [[ -n $check_only ]]; then
  echo "staticlet containerd env: missing packages: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "staticlet containerd env: missing packages (${missing[*]}) and not root; install them first" >&2
  exit 1
fi
echo "staticlet containerd env: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
