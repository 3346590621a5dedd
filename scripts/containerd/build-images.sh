#!/usr/bin/env bash
# Builds the test images without any registry: OCI image-layout archives whose single layer is
# busybox-static plus one symlink per applet.
#
#   build-images.sh OUTDIR
#     OUTDIR/busybox.tar  staticlet.local/busybox:1.36  (Cmd: sh)
#     OUTDIR/pause.tar    staticlet.local/pause:3.10    (sleeps until SIGTERM/SIGINT)
#
# Archives are byte-for-byte reproducible (fixed mtimes/owners), so repeated builds yield the same
# digests and containerd's content store dedupes them.
set -euo pipefail

out=${1:?usage: build-images.sh OUTDIR}
mkdir -p "$out"
BUSYBOX_BIN=${BUSYBOX_BIN:-/bin/busybox}
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)

work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One rootfs serves both images; only the image config differs.
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root"
chmod 1777 "$root/tmp"
cp "$BUSYBOX_BIN" "$root/bin/busybox"
for applet in $("$BUSYBOX_BIN" --list); do
  [[ "$applet" == busybox ]] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

layer=$work/layer.tar
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$layer" .
layer_digest=$(sha256sum "$layer" | cut -d' ' -f1)
layer_size=$(stat -c %s "$layer")

# build_one NAME REF CONFIG_JSON_FRAGMENT
build_one() {
  local file=$1 ref=$2 cfg=$3
  local layout=$work/layout-$file
  mkdir -p "$layout/blobs/sha256"
  cp "$layer" "$layout/blobs/sha256/$layer_digest"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

  local config
  config=$(printf '{"architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"staticlet build-images.sh"}]}' \
    "$arch" "$cfg" "$layer_digest")
  local config_digest config_size
  config_digest=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  config_size=$(printf '%s' "$config" | wc -c)
  printf '%s' "$config" >"$layout/blobs/sha256/$config_digest"

  local manifest
  manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size")
  local manifest_digest manifest_size
  manifest_digest=$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)
  manifest_size=$(printf '%s' "$manifest" | wc -c)
  printf '%s' "$manifest" >"$layout/blobs/sha256/$manifest_digest"

  # containerd's importer names the image from io.containerd.image.name; skopeo's oci-archive
  # transport looks images up by org.opencontainers.image.ref.name.
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest_digest" "$manifest_size" "$arch" "$ref" "${ref##*:}" >"$layout/index.json"

  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$out/$file.tar.tmp" .
  mv "$out/$file.tar.tmp" "$out/$file.tar"
}

env_path='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
build_one busybox "${STATICLET_BUSYBOX_IMAGE:-staticlet.local/busybox:1.36}" \
  "{$env_path,\"Cmd\":[\"sh\"]}"
# PID 1 ignores signals it has no handler for, hence the explicit trap.
build_one pause "${STATICLET_PAUSE_IMAGE:-staticlet.local/pause:3.10}" \
  "{$env_path,\"Entrypoint\":[\"/bin/sh\",\"-c\",\"trap 'exit 0' TERM INT; while :; do sleep 3600 & wait \$!; done\"]}"
