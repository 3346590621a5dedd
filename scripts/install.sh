#!/usr/bin/env bash
# Installs staticlet from this (built) checkout: the program under PREFIX (default
# /opt/staticlet, with its production node_modules, so the node needs no network), the systemd
# unit in /etc/systemd/system and a default /etc/staticlet/config.yaml. Idempotent: running it
# again replaces the program and the unit and leaves an existing config alone.
#
#   scripts/install.sh [--destdir DIR] [--prefix DIR] [--no-enable]
#
# --destdir (or DESTDIR=) installs under a staging root (packaging, tests); nothing is enabled
# then. Without it, and with systemd running, the unit is enabled (not started) unless --no-enable.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
destdir=${DESTDIR:-}
prefix=/opt/staticlet
enable=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --destdir) destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --no-enable) enable=0; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $prefix in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
prefix=${prefix%/}

if [[ ! -f $here/dist/src/cli/main.js ]]; then
  echo "install.sh: $here is not built; run npm run build first" >&2
  exit 1
fi

target=$destdir$prefix
stage=$target.new.$$
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"

# The program: what package.json's "files" lists, as `npm pack` would ship it.
cp -a "$here/package.json" "$here/README.md" "$stage/"
mkdir -p "$stage/dist"
cp -a "$here/bin" "$here/schemas" "$here/proto" "$here/systemd" "$stage/"
cp -a "$here/dist/src" "$stage/dist/src"
# Production dependencies only, as npm resolved them (no network: read from node_modules).
mkdir -p "$stage/node_modules"
nm=$(cd "$here/node_modules" && pwd -P)
# (npm ls exits 1 over extraneous packages, which it still lists: its status is not the point.)
deps=$(npm ls --omit=dev --all --parseable --prefix "$here" 2>/dev/null || true)
while IFS= read -r dir; do
  real=$(cd "$dir" 2>/dev/null && pwd -P) || continue
  case $real in "$nm"/*) ;; *) continue ;; esac
  rel=${real#"$nm"/}
  # A package inside another's node_modules comes along with its parent.
  [[ -e $stage/node_modules/$rel ]] && continue
  mkdir -p "$stage/node_modules/$(dirname "$rel")"
  cp -a "$real" "$stage/node_modules/$rel"
done <<<"$deps"
# staticlet refuses manifests others could write; its own files follow the same rule.
chmod -R go-w "$stage"

# Swap the new copy in, so a running staticlet never sees half a program.
mkdir -p "$(dirname "$target")"
rm -rf "$target.old"
[[ -e $target ]] && mv "$target" "$target.old"
mv "$stage" "$target"
rm -rf "$target.old"
trap - EXIT

# The unit, pointing at the prefix.
unit=$destdir/etc/systemd/system/staticlet.service
mkdir -p "$(dirname "$unit")"
sed -e "s#/opt/staticlet#$prefix#g" "$here/systemd/staticlet.service" >"$unit.tmp"
chmod 0644 "$unit.tmp"
mv "$unit.tmp" "$unit"

# A default config, never overwritten: it is the operator's once installed.
config=$destdir/etc/staticlet/config.yaml
mkdir -p "$(dirname "$config")" "$destdir/etc/kubernetes/manifests"
chmod 0755 "$(dirname "$config")" "$destdir/etc/kubernetes/manifests"
if [[ ! -e $config ]]; then
  cat >"$config.tmp" <<'EOF'
# staticlet's settings, a KubeletConfiguration (the fields staticlet uses are listed in its README).
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: /etc/kubernetes/manifests
fileCheckFrequency: 20s
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
EOF
  chmod 0644 "$config.tmp"
  mv "$config.tmp" "$config"
fi

if [[ -z $destdir && $enable == 1 && -d /run/systemd/system ]]; then
  systemctl daemon-reload
  systemctl enable staticlet.service
  echo "staticlet installed in $prefix and enabled; start it with: systemctl start staticlet"
else
  echo "staticlet installed in $target"
fi
