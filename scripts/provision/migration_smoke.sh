#!/usr/bin/env bash
# Provisions what tests/migration_smoke.rs needs: Debian's postgresql (initdb, postgres,
# createdb), found on PATH or in /usr/lib/postgresql/<version>/bin, installed when missing. The
# tests start their own server; Alembic, SQLAlchemy, psycopg and squawk-cli come from
# scripts/requirements-tools.txt (.tools/venv). Idempotent; sourced by scripts/test.sh.
# Exports READY_TEST_PG_BIN.

_ms_pg_bin() {
  local initdb
  initdb="$(command -v initdb || true)"
  if [ -n "$initdb" ]; then
    dirname "$(readlink -f "$initdb")"
    return 0
  fi
  # The newest version Debian installed.
  find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -name initdb -path '*/bin/*' 2>/dev/null |
    sort -V | tail -n 1 | xargs -r dirname
}

_ms_provision() {
  local bin
  bin="$(_ms_pg_bin)"
  if [ -z "$bin" ]; then
    local sudo=""
    if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
    echo "migration-smoke: installing Debian's postgresql package" >&2
    $sudo apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >&2 || return 1
    # The package starts a cluster of its own where an init system runs; the tests start theirs.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now postgresql >/dev/null 2>&1 || true
    fi
    bin="$(_ms_pg_bin)"
  fi
  [ -n "$bin" ] && [ -x "$bin/postgres" ] || return 1
  export READY_TEST_PG_BIN="$bin"
}

# shellcheck disable=SC2317 # exit is reached when the script runs on its own, not sourced
_ms_provision || { echo "migration-smoke: could not install postgresql" >&2; return 1 2>/dev/null || exit 1; }
unset -f _ms_provision _ms_pg_bin
