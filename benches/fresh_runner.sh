#!/usr/bin/env bash
# A fresh runner's time to a verdict on a real project's migrations, side by side:
#   ours:   scripts/install.sh downloads `ready` from a release server on loopback (new tool
#           cache each run, checksum verified), then `ready check-alembic-heads`;
#   theirs: the usual way: a new venv, `pip install` of the app's requirements so that its
#           migrations import, then `alembic heads`.
# The project is Mealie (mealie-recipes/mealie, commit b5643a9, 37 revisions): its migrations
# import the application (settings, models), so Alembic needs the app's packages.
#
#   MEALIE_DIR=path/to/mealie-checkout benches/fresh_runner.sh      # needs hyperfine (apt)
#   READY=target/release/ready RUNS=5 MEALIE_DIR=... benches/fresh_runner.sh
#
# pip's cache: the warm-up run fills it; the measured runs install from cached wheels (as a
# runner with actions/setup-python's pip cache would). PIP_NO_CACHE_DIR=1 measures it cold.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
READY="${READY:-$root/target/release/ready}"
case "$READY" in /*) ;; *) READY="$PWD/$READY" ;; esac
RUNS="${RUNS:-5}"
PYTHON="${PYTHON:-python3}"
: "${MEALIE_DIR:?set MEALIE_DIR to a checkout of mealie-recipes/mealie}"
MEALIE_DIR="$(cd "$MEALIE_DIR" && pwd)"
[ -x "$READY" ] || { echo "build first: cargo build --release (or set READY)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "needs hyperfine: apt-get install hyperfine" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The app's requirements as its lock pins them: the main dependencies, less python-ldap (no
# wheel: it builds against libldap, which this comparison leaves out, in the usual way's favour)
# and the optional psycopg2; plus rich, which its logging configuration loads.
"$PYTHON" - "$MEALIE_DIR" >"$work/requirements.txt" <<'PY'
import sys, tomllib
d = sys.argv[1]
lock = tomllib.load(open(f"{d}/poetry.lock", "rb"))
project = tomllib.load(open(f"{d}/pyproject.toml", "rb"))
norm = lambda n: n.lower().replace("_", "-")
pins = {norm(p["name"]): p["version"] for p in lock["package"]}
for name in list(project["tool"]["poetry"]["dependencies"]) + ["rich"]:
    if norm(name) not in ("python", "python-ldap", "psycopg2-binary"):
        print(f"{name}=={pins[norm(name)]}")
PY

# The release, as scripts/install.sh expects it, served on loopback.
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
asset="ready-x86_64-unknown-linux-musl.tar.gz"
release="$work/srv/releases/v$version"
mkdir -p "$release" "$work/stage"
cp "$READY" "$work/stage/ready"
tar -czf "$release/$asset" -C "$work/stage" ready
(cd "$release" && sha256sum "$asset" >SHA256SUMS)
port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$PYTHON" -m http.server --bind 127.0.0.1 --directory "$work/srv" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/releases/v$version/SHA256SUMS" 2>/dev/null && break
  sleep 0.1
done

# Each run starts from nothing: a new tool cache, a new venv.
cat >"$work/ours.sh" <<SH
set -e
rm -rf "$work/runner" && mkdir -p "$work/runner"
export GITHUB_ACTIONS=true RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TOOL_CACHE="$work/runner/cache"
export GITHUB_PATH="$work/runner/path" GITHUB_OUTPUT="$work/runner/output"
export READY_DOWNLOAD_BASE="http://127.0.0.1:$port/releases" READY_VERIFY_PROVENANCE=false
bash "$root/scripts/install.sh" >/dev/null
cd "$MEALIE_DIR"
"\$(head -n 1 "$work/runner/path")/ready" check-alembic-heads >/dev/null
SH
cat >"$work/theirs.sh" <<SH
set -e
rm -rf "$work/venv"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$work/requirements.txt"
cd "$MEALIE_DIR"
PRODUCTION=false "$work/venv/bin/alembic" heads >/dev/null 2>&1
SH

echo "ready: $("$READY" --version); python: $("$PYTHON" --version); runs: $RUNS; $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$work/table.md" \
  -n "install.sh + ready check-alembic-heads" "bash $work/ours.sh" \
  -n "venv + pip install + alembic heads" "bash $work/theirs.sh"
cat "$work/table.md"

# The check alone, once everything is installed (the venv of the last run).
cd "$MEALIE_DIR"
hyperfine -N --warmup 3 --runs $((RUNS * 6)) \
  -n "ready check-alembic-heads (mealie)" "$READY check-alembic-heads" \
  -n "alembic heads (mealie)" "env PRODUCTION=false $work/venv/bin/alembic heads"
