#!/usr/bin/env bash
# Whole-process time of `ready image-tag` against docker/metadata-action's published bundle on
# the same scenario (a push of tag v1.2.3 with semver, ref and sha entries, two images).
#
#   benches/image_tag.sh [path/to/metadata-action/dist/index.cjs] [runs]
#
# The bundle is optional: without it (or without node) only ours is measured. Get it with
#   git clone --depth 1 https://github.com/docker/metadata-action && pass its dist/index.cjs
# (never commit it here). metadata-action always asks the GitHub API for the repository, so a
# loopback server answers that call for it; ours reads the event payload and makes no call.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="${1:-}"
runs="${2:-20}"
ready="${READY_BIN:-$root/target/debug/ready}"
if [[ ! -x "$ready" ]]; then
  (cd "$root" && cargo build --quiet --bin ready)
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

event="$root/tests/data/image_tag/push_semver_tag/event.json"
tags=$'type=schedule\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=ref,event=branch\ntype=ref,event=pr\ntype=sha'
common=(
  "PATH=$PATH"
  "HOME=$work"
  "GITHUB_EVENT_NAME=push"
  "GITHUB_REF=refs/tags/v1.2.3"
  "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567"
  "GITHUB_REPOSITORY=octo-org/app"
  "GITHUB_ACTOR=mona"
  "GITHUB_EVENT_PATH=$event"
  "RUNNER_TEMP=$work"
  "INPUT_IMAGES=ghcr.io/octo-org/app"$'\n'"docker.io/octo/app"
  "INPUT_TAGS=$tags"
  "INPUT_CONTEXT=workflow"
)

now_ns() { date +%s%N; }

# Mean and min wall time of `runs` runs of the command, in milliseconds.
measure() {
  local label="$1"
  shift
  local total=0 min="" start end ms out
  for ((i = 0; i < runs; i++)); do
    : >"$work/out"
    start=$(now_ns)
    out=$(env -i "${common[@]}" "GITHUB_OUTPUT=$work/out" "$@" 2>&1) || {
      echo "$label failed:"
      echo "$out"
      return 1
    }
    end=$(now_ns)
    ms=$(((end - start) / 1000))
    total=$((total + ms))
    if [[ -z "$min" || $ms -lt $min ]]; then min=$ms; fi
  done
  printf '%-28s mean %8.1f ms   min %8.1f ms   (%d runs)\n' "$label" \
    "$(echo "$total / $runs / 1000" | bc -l)" "$(echo "$min / 1000" | bc -l)" "$runs"
  echo "$((total / runs))" >"$work/${label//[^a-z]/_}.mean"
}

echo "scenario: push of v1.2.3, 6 tag entries, 2 images; $runs runs each"
measure "ready image-tag" "$ready" image-tag
grep -A1 '^tags<<' "$work/out" | tail -1 | sed 's/^/  first tag: /'

if [[ -z "$bundle" || ! -f "$bundle" ]]; then
  echo "docker/metadata-action bundle not given or absent: skipped (pass its dist/index.cjs)"
  exit 0
fi
if ! command -v node >/dev/null; then
  echo "node not installed: docker/metadata-action skipped"
  exit 0
fi

# A loopback stand-in for GET /repos/{owner}/{repo}, which metadata-action cannot run without.
port_file="$work/port"
python3 - "$port_file" <<'PY' &
import http.server, json, sys
body = json.dumps({"name": "app", "full_name": "octo-org/app", "description": "Demo service",
                   "html_url": "https://github.com/octo-org/app", "default_branch": "main",
                   "license": {"spdx_id": "MIT"}}).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
server_pid=$!
for _ in $(seq 100); do [[ -s "$port_file" ]] && break; sleep 0.05; done
port="$(cat "$port_file")"

measure "docker/metadata-action" "GITHUB_API_URL=http://127.0.0.1:$port" "INPUT_GITHUB-TOKEN=dummy" \
  node "$bundle"
grep -A1 '^tags<<' "$work/out" | tail -1 | sed 's/^/  first tag: /'
ours=$(cat "$work/ready_image_tag.mean")
theirs=$(cat "$work/docker_metadata_action.mean")
printf 'ready image-tag is %.1fx faster (mean wall time)\n' "$(echo "$theirs / $ours" | bc -l)"
