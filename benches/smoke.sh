#!/usr/bin/env bash
# Whole-process time of `ready smoke` on a spec of 20 independent steps against a loopback
# server, concurrent (the default) against the same checks one after another (concurrency: 1),
# and Hurl on the same checks when `hurl` is on PATH, all in one hyperfine run so that a loaded
# machine weighs on every command alike. The new features are on: every step has an `if:`,
# the cookie jar is on, and both tools write a JSON report (smoke a JUnit report too).
# Usage: benches/smoke.sh [runs=10] [server delay ms=50]
# Uses the debug build unless READY_BIN points at another binary; needs hyperfine.
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
    if: \${env} == staging
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
smoke="$READY_BIN smoke --base-url $base --vars env=staging --json-report $work/smoke.json --junit $work/smoke.xml --format json"
commands=("$smoke --spec $work/concurrent.yml" "$smoke --spec $work/sequential.yml")
names=(-n "smoke (concurrent, default)" -n "smoke (concurrency: 1)")
if command -v hurl >/dev/null 2>&1; then
  for i in $(seq 1 20); do
    printf 'GET %s/items/%s\nHTTP 200\n[Asserts]\nheader "Content-Type" contains "json"\njsonpath "$.n" == %s\njsonpath "$.ok" isBoolean\n\n' "$base" "$i" "$i"
  done >"$work/items.hurl"
  commands+=("hurl --test --report-json $work/hurl-report $work/items.hurl")
  names+=(-n "$(hurl --version | head -n 1 | cut -d' ' -f1-2) --test (one file, sequential)")
else
  echo "hurl: not installed; to compare: apt-get install libxml2-dev libcurl4-openssl-dev pkg-config clang && cargo install hurl --version 8.0.1 --locked"
fi
echo "20 independent steps, server latency ${delay}ms, ${runs} runs each ($READY_BIN)"
hyperfine --style basic --warmup 2 --runs "$runs" --export-markdown "$work/table.md" "${names[@]}" "${commands[@]}" >/dev/null
cat "$work/table.md"
