#!/usr/bin/env bash
# The main job, in one command on a fresh Debian machine with Node.js >= 20.19:
# installs and starts a private containerd (unless STATICLET_RUNTIME_ENDPOINT names one),
# imports the demo images, builds staticlet and runs it on manifests/ until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run build --silent

endpoint=${STATICLET_RUNTIME_ENDPOINT:-}
if [[ -z $endpoint ]]; then
  dir=${STATICLET_DEMO_DIR:-$root/.tmp/demo}
  sock=$(bash scripts/containerd/env.sh up "$dir")
  trap 'bash scripts/containerd/env.sh down "$dir" >/dev/null || true' EXIT
  endpoint=unix://$sock
fi

node bin/staticlet.js validate manifests/
state=${STATICLET_DEMO_DIR:-$root/.tmp/demo}
echo "staticlet: pods are listed by: node bin/staticlet.js pods --root-dir $state/state" >&2
# --allow-insecure-manifests: a checkout owned by a user (cloned as one, run with sudo) would
# otherwise have its example manifests refused; staticlet warns when it uses the override.
exec_args=(run --pod-manifest-path "$root/manifests" --allow-insecure-manifests --container-runtime-endpoint "$endpoint"
  --root-dir "$state/state" --pod-logs-dir "$state/logs" --container-log-links-dir "$state/containers" "$@")
# The environment and Node flags of systemd/staticlet.service, which explains them.
MALLOC_MMAP_THRESHOLD_=131072 MALLOC_ARENA_MAX=2 node --single-threaded-gc bin/staticlet.js "${exec_args[@]}"
