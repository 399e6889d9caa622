#!/usr/bin/env bash
# Queries per measurement and wall time of a measurement of `ready watch` against a Prometheus
# holding 100,000 series.
#
#   bash benches/watch.sh [runs]     (default 10 runs; READY_BIN=path to use another binary)
#
# Generates http_requests_total for 25,000 instances × 2 versions × 2 status codes (100,000
# series, 30 s resolution, 2 minutes before to 2 minutes after the deploy), backfills them with
# promtool and starts Prometheus on a free loopback port. Each run is a 2-minute watch of v2
# against v1 (a measurement every 30 s: error ratio and requests of both versions, summed over
# all 100,000 series) replayed over the stored data (`start` in the past), so the time measured
# is the measurements' own. Prints the queries per measurement and the slowest measurement of
# each run (from the summary), and hyperfine's time of the whole process beside the same
# queries sent with curl.
set -euo pipefail

runs="${1:-10}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
source "$root/scripts/provision/error_budget_gate.sh"

bin="${READY_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin ready
  bin="${CARGO_TARGET_DIR:-$root/target}/release/ready"
fi

dir="$(mktemp -d)"
prom_pid=""
cleanup() {
  if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null || true; wait "$prom_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

start=1717761600   # 2024-06-07T12:00:00Z, the deploy
awk -v start="$start" 'BEGIN {
  print "# TYPE http_requests counter"
  for (inst = 0; inst < 25000; inst++)
    for (v = 1; v <= 2; v++)
      for (c = 0; c < 2; c++) {
        code = c ? "500" : "200"; per = c ? 0.1 : 99.9
        for (i = 0; i <= 8; i++)
          printf "http_requests_total{instance=\"i%05d\",version=\"v%d\",code=\"%s\"} %.1f %d\n", inst, v, code, i * per, start - 120 + i * 30
      }
  print "# EOF"
}' > "$dir/data.om.txt"
"$READY_TEST_PROMTOOL" tsdb create-blocks-from openmetrics -q "$dir/data.om.txt" "$dir/tsdb" >/dev/null
rm -f "$dir/data.om.txt"
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
series="$(curl -fsS "http://127.0.0.1:$port/api/v1/query" --data-urlencode 'query=count(http_requests_total)' --data-urlencode "time=$start" | sed -E 's/.*"([0-9]+)".*/\1/')"

export INPUT_PROMETHEUS_URL="http://127.0.0.1:$port"
export INPUT_QUERIES='error-ratio: sum(rate(http_requests_total{code="500",version="{{version}}"}[{{.window}}])) / sum(rate(http_requests_total{version="{{version}}"}[{{.window}}]))
requests: sum(increase(http_requests_total{version="{{version}}"}[{{.window}}]))'
export INPUT_THRESHOLDS='error-ratio <= 1%'
export INPUT_VERSION=v2 INPUT_BASELINE_VERSION=v1 INPUT_DURATION=2m INPUT_INTERVAL=30s
export INPUT_START=2024-06-07T12:00:00Z INPUT_MIN_REQUESTS=0 GITHUB_ACTIONS=true
export GITHUB_OUTPUT="$dir/out" GITHUB_STEP_SUMMARY="$dir/summary"

"$bin" watch >/dev/null || true   # warm-up (page cache, Prometheus caches)
echo "watch: Prometheus holds $series series; 4 measurements per run, each one instant query over all of them"
echo "binary: $bin"
slowest=()
for _ in $(seq 1 "$runs"); do
  : > "$dir/summary"
  "$bin" watch >/dev/null || true
  line="$(grep -o '[0-9]* queries ([0-9]* per measurement, the slowest took [0-9]* ms)' "$dir/summary")"
  slowest+=( "$(sed -E 's/.*took ([0-9]+) ms.*/\1/' <<<"$line")" )
done
echo "summary: $line"
echo "slowest measurement per run (ms): ${slowest[*]}"
echo "result: $(sed -n '/^result<</{n;p;}' "$dir/out" | tail -1)"
# The peer: the same PromQL sent straight to Prometheus with curl, one request per metric and
# version at each of the 4 measurement times (16 requests): what the measurements cost without
# the watch. hyperfine runs both commands interleaved, so the machine's load hits both alike.
cat > "$dir/direct.sh" <<SH
for t in 1717761630 1717761660 1717761690 1717761720; do
  for v in v1 v2; do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/query" --data-urlencode "time=\$t" \
      --data-urlencode "query=sum(rate(http_requests_total{code=\"500\",version=\"\$v\"}[1m])) / sum(rate(http_requests_total{version=\"\$v\"}[1m]))"
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/query" --data-urlencode "time=\$t" \
      --data-urlencode "query=sum(increase(http_requests_total{version=\"\$v\"}[1m]))"
  done
done
SH
hyperfine --warmup 1 --runs "$runs" --export-markdown "$dir/hyperfine.md" "$bin watch" "bash $dir/direct.sh" >/dev/null
cat "$dir/hyperfine.md"
