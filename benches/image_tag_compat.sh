#!/usr/bin/env bash
# Runs `ready image-tag` and docker/metadata-action's published bundle on every event fixture in
# tests/data/image_tag/ with the same inputs and prints where their version, tag names and labels
# (without `created`, which metadata-action takes from the wall clock) differ.
#
#   benches/image_tag_compat.sh path/to/metadata-action/dist/index.cjs
#
# Skips cleanly without the bundle or node. Expected differences (documented in
# docs/image-tag.md): tags that would start with `-` lose it; without github-token, what the
# event payload lacks (schedule events carry no repository) stays empty instead of being fetched.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="${1:-}"
if [[ -z "$bundle" || ! -f "$bundle" ]] || ! command -v node >/dev/null; then
  echo "docker/metadata-action bundle or node absent: compatibility run skipped"
  exit 0
fi
ready="${READY_BIN:-$root/target/debug/ready}"
[[ -x "$ready" ]] || (cd "$root" && cargo build --quiet --bin ready)

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

python3 - "$work/port" <<'PY' &
import http.server, json, sys
body = json.dumps({"name": "app", "description": "Demo service", "default_branch": "main",
                   "html_url": "https://github.com/octo-org/app", "license": {"spdx_id": "MIT"}}).encode()
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
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
port="$(cat "$work/port")"

tags=$'type=schedule\ntype=ref,event=branch\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=ref,event=tag\ntype=sha\ntype=pep440,pattern={{major}}\ntype=match,pattern=\\d+\ntype=raw,value={{is_default_branch}}-{{base_ref}}\ntype=edge'

summarise() {
  python3 - "$1" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
out, i = {}, 0
while i < len(lines):
    if "<<" in lines[i]:
        name, delim = lines[i].split("<<")
        value = []
        i += 1
        while lines[i] != delim:
            value.append(lines[i])
            i += 1
        out[name] = "\n".join(value)
    i += 1
print("version:", out.get("version"))
print("tags:", out.get("tag-names", "").replace("\n", " "))
for label in out.get("labels", "").split("\n"):
    if "created=" not in label:
        print("label:", label)
PY
}

same=0
total=0
for dir in "$root"/tests/data/image_tag/*/; do
  name="$(basename "$dir")"
  mapfile -t vars < <(python3 -c "import json,sys; [print(f'{k}={v}') for k,v in json.load(open(sys.argv[1]))['env'].items() if k != 'INPUT_ALIASES']" "$dir/expected.json" | sed 's/^INPUT_PR_HEAD_SHA=/DOCKER_METADATA_PR_HEAD_SHA=/')
  for who in ours theirs; do
    : >"$work/out-$who"
    if [[ $who == ours ]]; then cmd=("$ready" image-tag); else cmd=(node "$bundle"); fi
    env -i "PATH=$PATH" "HOME=$work" "${vars[@]}" GITHUB_REPOSITORY=octo-org/app \
      "GITHUB_EVENT_PATH=$dir/event.json" "GITHUB_OUTPUT=$work/out-$who" "RUNNER_TEMP=$work" \
      INPUT_IMAGES=ghcr.io/octo-org/app "INPUT_TAGS=$tags" INPUT_CONTEXT=workflow \
      INPUT_GITHUB-TOKEN=dummy "GITHUB_API_URL=http://127.0.0.1:$port" "${cmd[@]}" >/dev/null 2>&1 || true
    summarise "$work/out-$who" >"$work/sum-$who"
  done
  total=$((total + 1))
  if diff -q "$work/sum-ours" "$work/sum-theirs" >/dev/null; then
    same=$((same + 1))
    echo "same  $name: $(sed -n 2p "$work/sum-ours")"
  else
    echo "DIFF  $name (< ours, > metadata-action)"
    diff "$work/sum-ours" "$work/sum-theirs" | grep '^[<>]' | sed 's/^/      /' || true
  fi
done
echo "$same of $total fixtures identical"
