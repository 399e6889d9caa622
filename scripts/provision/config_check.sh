# shellcheck shell=bash
# Sourced by scripts/test.sh: python-dotenv for tests/config_check.rs, which compares config-check's
# .env grammar with python-dotenv's own. python-dotenv is pinned in scripts/requirements-tools.txt
# and installed into .tools/venv by test.sh; this only points the tests at that Python (and
# installs it when run by hand).
_ready_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_ready_venv="$_ready_root/.tools/venv"
if ! "$_ready_venv/bin/python" -c 'import dotenv' 2>/dev/null; then
  if [ ! -x "$_ready_venv/bin/python" ]; then
    python3 -m venv "$_ready_venv"
  fi
  "$_ready_venv/bin/pip" install --quiet -r "$_ready_root/scripts/requirements-tools.txt"
fi
export READY_TEST_PYTHON_DOTENV="$_ready_venv/bin/python"
unset _ready_root _ready_venv
