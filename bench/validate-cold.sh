#!/usr/bin/env bash
# `staticlet validate` from a cold start, against the Node runtime alone (`node -e 0`): runs
# interleaved (A, B, A, B...) so both see the same machine load; prints the median wall time,
# the max and median RSS (GNU time's %M) and the ratio of the medians.
#
# Usage: bash bench/validate-cold.sh [RUNS] [MANIFEST]   (npm run build first)
#   RUNS      default 10
#   MANIFEST  default bench/fixtures/kube-apiserver.yaml (kubeadm's kube-apiserver static pod)
# Wall time has GNU time's 10 ms resolution: enough for a ≤ 250 ms goal.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
manifest=${2:-$root/bench/fixtures/kube-apiserver.yaml}
[ -x /usr/bin/time ] || { echo "validate-cold: needs GNU time (/usr/bin/time)" >&2; exit 1; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
declare -A wall rss
labels=(node-e-0 validate)
cmds=("node -e 0" "node $root/bin/staticlet.js validate $manifest")
for ((i = 0; i < runs; i++)); do
  for j in 0 1; do
    # validate's exit code is the manifest's verdict: a refusal is still a measurement.
    /usr/bin/time -o "$tmp" -f '%e %M' ${cmds[$j]} >/dev/null 2>&1 || true
    out=$(tail -1 "$tmp")
    wall[${labels[$j]}]+="$(awk '{print $1 * 1000}' <<<"$out") "
    rss[${labels[$j]}]+="$(awk '{print $2}' <<<"$out") "
  done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
max() { tr ' ' '\n' | grep . | sort -n | tail -1; }
for l in "${labels[@]}"; do
  printf '%-9s median wall %4s ms  max RSS %3s MB  median RSS %3s MB\n' "$l" "$(median <<<"${wall[$l]}")" "$(($(max <<<"${rss[$l]}") / 1024))" "$(($(median <<<"${rss[$l]}" | cut -d. -f1) / 1024))"
done
awk -v a="$(median <<<"${wall[validate]}")" -v b="$(median <<<"${wall[node-e-0]}")" -v c="$(max <<<"${rss[validate]}")" -v d="$(max <<<"${rss[node-e-0]}")" \
  'BEGIN {printf "ratio to node -e 0: wall %.1fx, max RSS %.2fx\n", a / b, c / d}'
