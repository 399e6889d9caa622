# shellcheck shell=bash
# Sourced by scripts/test.sh: the Alembic CLI for tests/check_alembic_heads.rs.
# Alembic itself is pinned in scripts/requirements-tools.txt and installed into .tools/venv by
# test.sh; this only points the tests at it (and installs it when run by hand).
_ready_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_ready_venv="$_ready_root/.tools/venv"
if [ ! -x "$_ready_venv/bin/alembic" ]; then
  if [ ! -x "$_ready_venv/bin/python" ]; then
    python3 -m venv "$_ready_venv"
  fi
  "$_ready_venv/bin/pip" install --quiet -r "$_ready_root/scripts/requirements-tools.txt"
fi
export READY_TEST_ALEMBIC="$_ready_venv/bin/alembic"
unset _ready_root _ready_venv
