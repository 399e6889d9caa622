#!/usr/bin/env bash
# Whole-process time of `ready smoke` on a spec of 20 independent steps against a loopback
# server, concurrent (the default) against the same checks one after another (concurrency: 1).
# Usage: benches/smoke.sh [runs=10] [server delay ms=50]
# Uses the debug build unless READY_BIN points at another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
delay="${2:-50}"
if [ -z "${READY_BIN:-}" ]; then
  cargo build --quiet --bin ready
  READY_BIN="${CARGO_TARGET_DIR:-target}/debug/ready"
fi
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 benches/smoke_server.py "$delay" >"$work/port" &
server_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/port" ] && break
  sleep 0.05
done
port="$(head -n1 "$work/port")"
base="http://127.0.0.1:$port"

spec() {
  [ -n "$1" ] && echo "concurrency: $1"
  echo "steps:"
  for i in $(seq 1 20); do
    cat <<STEP
  - name: item $i
    path: /items/$i
    expect:
      status: 200
      headers: {content-type: {contains: json}}
      json:
        - {path: \$.n, equals: $i}
        - {path: \$.ok, type: boolean}
STEP
  done
}
spec "" >"$work/concurrent.yml"
spec 1 >"$work/sequential.yml"

measure() {
  local file="$1" total=0 best=999999 ms
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    "$READY_BIN" smoke --spec "$file" --base-url "$base" --format json >/dev/null
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    total=$((total + ms))
    [ "$ms" -lt "$best" ] && best=$ms
  done
  echo "$((total / runs)) $best"
}

read -r c_mean c_best < <(measure "$work/concurrent.yml")
read -r s_mean s_best < <(measure "$work/sequential.yml")
echo "ready smoke, 20 independent steps, server latency ${delay}ms, ${runs} runs each ($READY_BIN)"
printf '%-34s mean %5d ms   best %5d ms\n' "concurrent (default, 8 at once)" "$c_mean" "$c_best"
printf '%-34s mean %5d ms   best %5d ms\n' "sequential (concurrency: 1)" "$s_mean" "$s_best"
echo "speed-up: $(python3 -c "print(f'{$s_mean / max($c_mean, 1):.1f}x')")"
if command -v hurl >/dev/null 2>&1; then
  for i in $(seq 1 20); do
    printf 'GET %s/items/%s\nHTTP 200\n[Asserts]\nheader "Content-Type" contains "json"\njsonpath "$.n" == %s\njsonpath "$.ok" isBoolean\n\n' "$base" "$i" "$i"
  done >"$work/items.hurl"
  total=0 best=999999
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    hurl --test "$work/items.hurl" >/dev/null 2>&1
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    total=$((total + ms))
    [ "$ms" -lt "$best" ] && best=$ms
  done
  printf '%-34s mean %5d ms   best %5d ms   (%s)\n' "hurl --test (one file, sequential)" "$((total / runs))" "$best" "$(hurl --version | head -n 1)"
else
  echo "hurl: not installed; to compare: apt-get install libxml2-dev libcurl4-openssl-dev pkg-config clang && cargo install hurl --version 8.0.1 --locked"
fi
