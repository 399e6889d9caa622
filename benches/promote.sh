#!/usr/bin/env bash
# Times `ready promote` and `ready rollback` against a loopback docker-registry: pushes two small
# images with curl, then alternates promote (2 aliases) and rollback N times and prints the mean
# wall time per run. Usage: benches/promote.sh [runs] (uses target/debug/ready; build it first).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
ready="${READY:-${CARGO_TARGET_DIR:-target}/debug/ready}"
registry="${READY_TEST_REGISTRY_BIN:-$(command -v docker-registry)}"
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$dir/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/data}}
http: {addr: 127.0.0.1:$port, secret: bench}
YAML
"$registry" serve "$dir/config.yml" 2>"$dir/log" &
pid=$!
trap 'kill "$pid"; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port/v2/bench/app"
until curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; do sleep 0.1; done

blob() { # file -> digest
  local digest location
  digest="sha256:$(sha256sum "$1" | cut -d ' ' -f 1)"
  location="$(curl -fsS -X POST -D - -o /dev/null "$base/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')"
  [[ "$location" == http* ]] || location="http://127.0.0.1:$port$location"
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
    "$location$([[ "$location" == *\?* ]] && echo '&' || echo '?')digest=$digest" >/dev/null
  echo "$digest"
}
for build in 1 2; do
  echo "layer $build" >"$dir/layer"
  printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"b":%s}' "$build" >"$dir/config"
  layer="$(blob "$dir/layer")" config="$(blob "$dir/config")"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "$config" "$(stat -c %s "$dir/config")" "$layer" "$(stat -c %s "$dir/layer")" >"$dir/manifest"
  curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$dir/manifest" "$base/manifests/sha-$build" >/dev/null
done

image="127.0.0.1:$port/bench/app"
"$ready" promote --image "$image" --from sha-1 --to "prod latest" >/dev/null
elapsed() { # command... -> nanoseconds
  local start
  start="$(date +%s%N)"
  "$@" >/dev/null
  echo $(($(date +%s%N) - start))
}
promote_ns=0 rollback_ns=0
for _ in $(seq "$runs"); do
  promote_ns=$((promote_ns + $(elapsed "$ready" promote --image "$image" --from sha-2 --to "prod latest")))
  rollback_ns=$((rollback_ns + $(elapsed "$ready" rollback --image "$image" --alias prod)))
  "$ready" rollback --image "$image" --alias latest >/dev/null
done
echo "promote (2 aliases, with history): $((promote_ns / runs / 1000000)) ms per run (mean of $runs)"
echo "rollback (1 alias, with history): $((rollback_ns / runs / 1000000)) ms per run (mean of $runs)"
