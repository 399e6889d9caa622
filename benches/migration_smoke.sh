#!/usr/bin/env bash
# The stairway of a 200-revision tree, side by side in one hyperfine run (interleaved, each run
# on a fresh database): one Alembic process per step (the usual shell loop: `alembic upgrade`,
# `alembic downgrade`, `alembic upgrade` per revision, then `alembic downgrade` back to base)
# against `ready migration-smoke`, which runs the same 4 x N steps in one Alembic process.
# Contracts and model check are off: only the stairway is compared.
#
#   cargo build --release && benches/migration_smoke.sh            # N=200 RUNS=2
#   N=50 RUNS=3 READY=target/debug/ready benches/migration_smoke.sh
#
# With `pytest-alembic` instead, the side-by-side of docs/migration-smoke.md: pytest-alembic's
# four built-in tests and `ready migration-smoke` on each tree of tests/data/migration_smoke/,
# each on a fresh database of the same server; prints one line per tree and tool.
#
#   benches/migration_smoke.sh pytest-alembic
#
# Needs postgresql (scripts/provision/migration_smoke.sh) and .tools/venv (scripts/tools.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
READY="${READY:-$root/target/release/ready}"
case "$READY" in /*) ;; *) READY="$PWD/$READY" ;; esac
VENV="${READY_TEST_VENV:-$root/.tools/venv}"
N="${N:-200}"
RUNS="${RUNS:-2}"
PG_BIN="${READY_TEST_PG_BIN:-$(dirname "$(readlink -f "$(command -v initdb || echo /usr/lib/postgresql/15/bin/initdb)")")}"
[ -x "$READY" ] || { echo "build first: cargo build --release (or set READY)" >&2; exit 2; }
[ -x "$VENV/bin/alembic" ] || { echo "no alembic in $VENV: run scripts/test.sh" >&2; exit 2; }
[ -x "$PG_BIN/postgres" ] || { echo "no postgres in $PG_BIN: source scripts/provision/migration_smoke.sh" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The tree: r0001 creates a table, each next revision adds a column to it.
tree="$work/tree"
mkdir -p "$tree/versions" "$tree/env"
cp "$root/tests/data/migration_smoke/env/env.py" "$tree/env/"
printf '[alembic]\nscript_location = %%(here)s/env\nversion_locations = %%(here)s/versions\n' >"$tree/alembic.ini"
"$VENV/bin/python" - "$tree/versions" "$N" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    rid, down = f"r{i:04d}", (f"r{i - 1:04d}" if i > 1 else None)
    if i == 1:
        up, dn = 'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))', 'op.drop_table("t")'
    else:
        up, dn = f'op.add_column("t", sa.Column("c{i}", sa.Integer))', f'op.drop_column("t", "c{i}")'
    open(os.path.join(d, f"{rid}.py"), "w").write(
        f'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "{rid}"\n'
        f'down_revision = {down!r}\nmigration_contract = "safe_online"\n\n\n'
        f"def upgrade():\n    {up}\n\n\ndef downgrade():\n    {dn}\n")
PY

# A throwaway server on a free loopback port (as nobody when root: postgres refuses root).
as_user=()
if [ "$(id -u)" = 0 ]; then
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  chown nobody "$work"
fi
password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$password" >"$work/pw"
[ "$(id -u)" = 0 ] && chown nobody "$work/pw"
"${as_user[@]}" "$PG_BIN/initdb" -D "$work/data" -U ready --auth=scram-sha-256 --pwfile="$work/pw" -E UTF8 --no-sync >/dev/null
port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${as_user[@]}" "$PG_BIN/postgres" -D "$work/data" -h 127.0.0.1 -p "$port" -k "$work" -F \
  -c full_page_writes=off -c synchronous_commit=off >"$work/postgres.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
  sleep 0.1
done
export PGPASSWORD="$password"
url="postgresql://ready:$password@127.0.0.1:$port/bench"
fresh() { "$PG_BIN/dropdb" -h 127.0.0.1 -p "$port" -U ready --if-exists "$1" 2>/dev/null && "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U ready "$1"; }

if [ "${1:-}" = "pytest-alembic" ]; then
  mkdir -p "$work/pa/tests"
  cat >"$work/pa/tests/conftest.py" <<'PY'
import os

import pytest
from pytest_alembic.config import Config
from sqlalchemy import create_engine, pool


@pytest.fixture
def alembic_config():
    return Config(config_options={"file": os.path.join(os.environ["TREE"], "alembic.ini")})


@pytest.fixture
def alembic_engine():
    return create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
PY
  for tree_dir in "$root"/tests/data/migration_smoke/*/; do
    name="$(basename "$tree_dir")"
    [ -f "$tree_dir/alembic.ini" ] || continue
    fresh "pa_$name"
    verdicts="$(
      cd "$work/pa"
      export TREE="$tree_dir" DATABASE_URL="${url%/bench}/pa_$name"
      { "$VENV/bin/pytest" --test-alembic -p no:cacheprovider -rA tests 2>&1 || true; } |
        sed -n 's/^\(PASSED\|FAILED\) tests\/conftest.py::pytest-alembic::test_\([a-z_]*\).*/\2=\1/p' | sort | tr '\n' ' '
    )"
    echo "$name pytest-alembic: $verdicts"
    fresh "rs_$name"
    (cd "$tree_dir" && "$READY" migration-smoke --database-url "${url%/bench}/rs_$name" \
      --alembic "$VENV/bin/alembic" --squawk "$VENV/bin/squawk" --format json 2>/dev/null |
      "$VENV/bin/python" -c 'import json, sys; r = json.load(sys.stdin); print(sys.argv[1], "migration-smoke:", r["verdict"], sorted({f["rule"] for f in r["findings"]}))' "$name") || true
  done
  exit 0
fi

# The usual way: one process per step, the same steps in the same order.
cat >"$work/per_step.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
cd "$tree"
export DATABASE_URL="$url"
alembic="$VENV/bin/alembic"
prev=r0001-1
for i in \$(seq 1 $N); do
  rev=\$(printf 'r%04d' "\$i")
  "\$alembic" upgrade "\$rev" >/dev/null 2>&1
  "\$alembic" downgrade "\$prev" >/dev/null 2>&1
  "\$alembic" upgrade "\$rev" >/dev/null 2>&1
  prev="\$rev"
done
for i in \$(seq $N -1 1); do
  "\$alembic" downgrade "\$(printf 'r%04d' "\$i")-1" >/dev/null 2>&1
done
EOF
reset="$PG_BIN/dropdb -h 127.0.0.1 -p $port -U ready --if-exists bench && $PG_BIN/createdb -h 127.0.0.1 -p $port -U ready bench"

echo "== $N revisions, $((4 * N)) Alembic commands per run; hyperfine, $RUNS runs each, interleaved"
cd "$tree"
hyperfine --runs "$RUNS" --prepare "$reset" --export-markdown "$work/result.md" \
  -n "one process per step (alembic CLI)" "bash $work/per_step.sh" \
  -n "ready migration-smoke (one Alembic process)" \
  "$READY migration-smoke --database-url $url --alembic $VENV/bin/alembic --contracts false --model-check false"
cat "$work/result.md"

# Where the time goes: one Alembic start-up (Python, Alembic, SQLAlchemy, psycopg, the tree).
echo "== one Alembic process start-up on this tree (alembic heads), for the per-step cost"
hyperfine --runs 5 -N "$VENV/bin/alembic heads" 2>/dev/null | grep -E "Time|Range"
