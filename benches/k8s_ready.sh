#!/usr/bin/env bash
# k8s-ready side by side with Checkov (PyPI), on the fixtures of tests/data/k8s_ready:
#  1. rule by rule: which Checkov checks newly fail on each bad/<rule>.yaml (good.yaml with one
#     change) compared with good.yaml, and whether k8s-ready finds that rule;
#  2. whole-process time on a 200-object stream (50 copies of good.yaml's Deployment, Service,
#     Ingress and PDB), both commands in one hyperfine run (interleaved, for a loaded machine).
#
#   cargo build --release && READY=target/release/ready benches/k8s_ready.sh
#
# Checkov lives in its own venv under .tools/ (its pins conflict with scripts/requirements-tools.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
READY="${READY:-$root/target/release/ready}"
case "$READY" in /*) ;; *) READY="$PWD/$READY" ;; esac
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
RUNS="${RUNS:-5}"
venv="$root/.tools/checkov-venv"
[ -x "$READY" ] || { echo "build first: cargo build --release (or set READY)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 2; }
if [ "$("$venv/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi
checkov=("$venv/bin/checkov" --framework kubernetes --compact --quiet --skip-download -o json)
data="$root/tests/data/k8s_ready"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
digest="sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
ours=(k8s-ready --expect-image "ghcr.io/org/web@$digest" --max-body-size 10m --format json)

# k8s-ready's JSON report on a file (it exits 1 when it finds something).
ready_json() {
  "$READY" "${ours[@]}" --manifests "$1" || true
}

# The ids of the Checkov checks that fail on a file, one a line, sorted.
failed_checks() {
  { "${checkov[@]}" -f "$1" 2>/dev/null || true; } | python3 -c '
import json, sys
d = json.load(sys.stdin)
for r in (d if isinstance(d, list) else [d]):
    for c in r.get("results", {}).get("failed_checks", []):
        print(c["check_id"], c["check_name"], sep="\t")
' | sort -u
}

echo "== rule by rule (Checkov $CHECKOV_VERSION; checks that fail on bad/<rule>.yaml and not on good.yaml)"
failed_checks "$data/good.yaml" >"$work/good"
echo "good.yaml: k8s-ready $(ready_json "$data/good.yaml" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))') findings; Checkov fails: $(cut -f1 "$work/good" | paste -sd' ' -)"
echo "| rule | k8s-ready | Checkov (newly failing) |"
echo "| --- | --- | --- |"
for file in "$data"/bad/*.yaml; do
  rule="$(basename "$file" .yaml)"
  found="$(ready_json "$file" | python3 -c "import json,sys; print('found' if any(f['rule'] == '$rule' for f in json.load(sys.stdin)['findings']) else 'MISSED')")"
  extra="$(failed_checks "$file" | comm -23 - "$work/good" | tr '\t' ' ' | paste -sd';' -)"
  echo "| \`$rule\` | $found | ${extra:-none} |"
done

echo "== 200 objects, whole process"
python3 - "$data/good.yaml" "$work/stream.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read().split("\n", 1)[1]
docs = []
for i in range(50):
    docs.append(text.replace("name: web", f"name: web-{i}").replace("{app: web}", f"{{app: web-{i}}}")
                .replace("shop.example.com", f"shop-{i}.example.com"))
open(sys.argv[2], "w").write("---\n".join(docs))
PY
echo "objects: $(ready_json "$work/stream.yaml" | python3 -c 'import json,sys; print(dict(json.load(sys.stdin)["outputs"])["objects"])')"
hyperfine --runs "$RUNS" --warmup 1 -i --export-json "$work/times.json" \
  -n k8s-ready "$READY k8s-ready --manifests $work/stream.yaml --format json" \
  -n checkov "${checkov[*]} -f $work/stream.yaml"
python3 - "$work/times.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
o, c = r["k8s-ready"], r["checkov"]
print(f"k8s-ready: {o['mean']*1000:.1f} ms mean, {o['min']*1000:.1f} ms min")
print(f"checkov:   {c['mean']*1000:.0f} ms mean, {c['min']*1000:.0f} ms min")
print(f"ratio: {c['mean']/o['mean']:.0f}x (means), {c['min']/o['min']:.0f}x (mins)")
PY
