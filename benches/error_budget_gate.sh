#!/usr/bin/env bash
# Whole-process time of one error-budget-gate decision against a local Prometheus.
#
#   bash benches/error_budget_gate.sh [runs]     (default 20 runs; READY_BIN=path to use another binary)
#
# Backfills 8 days of synthetic http_requests_total counters (30 s resolution) with promtool,
# starts Prometheus on a free loopback port, then times `ready error-budget-gate` end to end
# (process start, both Prometheus round trips, rendering) and prints min / median / p90 / max.
set -euo pipefail

runs="${1:-20}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
source "$root/scripts/provision/error_budget_gate.sh"

bin="${READY_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet --manifest-path "$root/Cargo.toml" --bin ready
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/ready"
fi

dir="$(mktemp -d)"
prom_pid=""
cleanup() {
  if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

end=1717761600   # 2024-06-07T12:00:00Z
step=30
samples=$(( 8 * 86400 / step + 1 ))
awk -v end="$end" -v step="$step" -v n="$samples" 'BEGIN {
  print "# TYPE http_requests counter"
  start = end - (n - 1) * step
  for (i = 0; i < n; i++) printf "http_requests_total{code=\"200\"} %d %d\n", i * 999, start + i * step
  for (i = 0; i < n; i++) printf "http_requests_total{code=\"500\"} %d %d\n", i, start + i * step
  print "# EOF"
}' > "$dir/data.om.txt"
"$READY_TEST_PROMTOOL" tsdb create-blocks-from openmetrics -q "$dir/data.om.txt" "$dir/tsdb" >/dev/null
printf 'scrape_configs: []\n' > "$dir/prometheus.yml"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$READY_TEST_PROMETHEUS" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --storage.tsdb.retention.time=3650d --web.listen-address="127.0.0.1:$port" --log.level=warn \
  >"$dir/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null

export INPUT_PROMETHEUS_URL="http://127.0.0.1:$port"
export INPUT_ERROR_QUERY='sum(increase(http_requests_total{code=~"5.."}[{{.window}}]))'
export INPUT_TOTAL_QUERY='sum(increase(http_requests_total[{{.window}}]))'
export INPUT_OBJECTIVE=99.5 INPUT_WINDOW=7d INPUT_AT=2024-06-07T12:00:00Z
export GITHUB_OUTPUT="$dir/out" GITHUB_STEP_SUMMARY="$dir/summary"

"$bin" error-budget-gate >/dev/null   # warm-up (page cache, Prometheus caches)
times=()
for _ in $(seq 1 "$runs"); do
  t0=$(date +%s%N)
  "$bin" error-budget-gate >/dev/null
  t1=$(date +%s%N)
  times+=( $(( (t1 - t0) / 1000 )) )
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
pick() { printf '%s\n' "$sorted" | sed -n "${1}p"; }
n=${#times[@]}
ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }
echo "error-budget-gate: one decision (instant query for 5 windows + range query for the chart), $n runs"
echo "binary: $bin"
echo "  min    $(ms "$(pick 1)")"
echo "  median $(ms "$(pick $(( (n + 1) / 2 )))")"
echo "  p90    $(ms "$(pick $(( (n * 9 + 9) / 10 )))")"
echo "  max    $(ms "$(pick "$n")")"
