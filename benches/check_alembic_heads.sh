#!/usr/bin/env bash
# Whole-process time of `ready check-alembic-heads` against `alembic heads`, side by side, on
# a 2,000-revision linear tree and a 500-revision tree with 20 heads. Prints mean milliseconds
# per run for each and the ratio. Both read the same files in the same directory.
#
#   benches/check_alembic_heads.sh            # uses target/debug/ready and .tools/venv
#   READY=target/release/ready RUNS=20 benches/check_alembic_heads.sh
#
# With hyperfine on PATH (apt-get install hyperfine), each tree is also timed by hyperfine with
# both commands in one run; its "faster than" line is the wall ratio, and the CPU ratio (user +
# system) of the same run follows. The load average is printed before each tree: on a shared
# machine the wall ratio mostly measures the scheduler, so say which it was.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
READY="${READY:-$root/target/debug/ready}"
# The script changes directory per tree: make a relative path absolute.
case "$READY" in /*) ;; *) READY="$PWD/$READY" ;; esac
ALEMBIC="${ALEMBIC:-$root/.tools/venv/bin/alembic}"
RUNS="${RUNS:-10}"
[ -x "$READY" ] || { echo "build first: cargo build (or set READY)" >&2; exit 2; }
[ -x "$ALEMBIC" ] || { echo "no alembic at $ALEMBIC: run scripts/test.sh (or set ALEMBIC)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# make_tree DIR TOTAL HEADS: a root, then HEADS chains sharing it, in the current Alembic
# template form (what `alembic revision` writes).
make_tree() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, total, heads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v = os.path.join(d, "migrations", "versions")
os.makedirs(v)
open(os.path.join(d, "alembic.ini"), "w").write(
    "[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n")
tmpl = '''"""{m}

Revision ID: {r}
Revises: {dr}
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {r!r}
down_revision: Union[str, Sequence[str], None] = {down}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("t", sa.Column({m!r}, sa.Integer()))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("t", {m!r})
'''
def write(rid, down):
    m = "c_" + rid
    open(os.path.join(v, f"{rid}_{m}.py"), "w").write(
        tmpl.format(m=m, r=rid, dr=down or "", down=repr(down)))
write("r00000", None)
per = (total - 1) // heads
n = 1
for h in range(heads):
    prev = "r00000"
    count = per if h < heads - 1 else total - 1 - per * (heads - 1)
    for _ in range(count):
        rid = f"r{n:05d}"
        write(rid, prev)
        prev = rid
        n += 1
PY
}

# mean_ms N -- CMD_A... -- CMD_B...: mean wall-clock and CPU (user+sys) milliseconds of N
# whole-process runs of each command, alternating A and B so that both see the same machine
# (output discarded; exit codes 0 and 1 both count). Prints "A_WALL A_CPU B_WALL B_CPU".
mean_ms() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
n = int(sys.argv[1])
rest = sys.argv[2:]
split = rest.index("--", 1)
cmds = [rest[1:split], rest[split + 1:]]
wall, cpu = [0.0, 0.0], [0.0, 0.0]
for _ in range(n):
    for i, cmd in enumerate(cmds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall[i] += time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[i] += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(" ".join(f"{x / n * 1000:.1f}" for pair in zip(wall, cpu) for x in pair))
PY
}

bench() {
  local name="$1" total="$2" heads="$3"
  local d="$work/$name"
  make_tree "$d" "$total" "$heads"
  cd "$d"
  echo "$name: load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
  local ours theirs
  ours="$("$READY" check-alembic-heads --max-heads "$heads" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["outputs"]["heads"])')"
  theirs="$("$ALEMBIC" heads 2>/dev/null | awk '{print $1}' | paste -sd' ')"
  if [ "$ours" != "$theirs" ]; then
    echo "$name: heads differ: ready=[$ours] alembic=[$theirs]" >&2
    exit 1
  fi
  local r_wall r_cpu a_wall a_cpu
  read -r r_wall r_cpu a_wall a_cpu <<<"$(mean_ms "$RUNS" -- "$READY" check-alembic-heads --max-heads "$heads" -- "$ALEMBIC" heads)"
  python3 - "$name" "$total" "$heads" "$r_wall" "$r_cpu" "$a_wall" "$a_cpu" <<'PY'
import sys
name, total, heads = sys.argv[1:4]
rw, rc, aw, ac = map(float, sys.argv[4:8])
print(f"{name:<24} revisions={total:<5} heads={heads:<3} "
      f"wall: ready {rw:7.1f} ms, alembic heads {aw:7.1f} ms, ratio {aw / max(rw, 0.1):5.1f}x | "
      f"cpu: ready {rc:7.1f} ms, alembic heads {ac:7.1f} ms, ratio {ac / max(rc, 0.1):5.1f}x")
PY
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$RUNS" -i --export-json "$work/$name.json" \
      -n "ready ($name)" "$READY check-alembic-heads --max-heads $heads" \
      -n "alembic heads ($name)" "$ALEMBIC heads" 2>&1 | grep -E 'Time|±.*faster' | sed 's/^/  /'
    python3 - "$work/$name.json" <<'PY'
import json, sys
ours, theirs = json.load(open(sys.argv[1]))["results"]
cpu = lambda r: (r["user"] + r["system"]) * 1000
print(f"  hyperfine CPU (user + system): ready {cpu(ours):.1f} ms, alembic heads {cpu(theirs):.1f} ms, "
      f"ratio {cpu(theirs) / cpu(ours):.1f}x")
PY
  fi
  cd "$root"
}

echo "ready: $READY ($("$READY" --version)); alembic: $("$ALEMBIC" --version 2>&1 | head -1); runs: $RUNS"
bench linear-2000 2000 1
bench branched-500-20-heads 500 20
