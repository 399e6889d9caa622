#!/usr/bin/env bash
# Provisions what tests/error_budget_gate.rs needs: a real Prometheus and promtool (Debian's
# `prometheus` package). Idempotent; meant to be sourced by scripts/test.sh, also runs on its own.
# Exports READY_TEST_PROMETHEUS and READY_TEST_PROMTOOL.

_ebg_provision() {
  local prom promtool
  prom="$(command -v prometheus || true)"
  promtool="$(command -v promtool || true)"
  if [ -z "$prom" ] || [ -z "$promtool" ]; then
    local sudo=""
    if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
    echo "error-budget-gate: installing Debian's prometheus package" >&2
    $sudo apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >&2 || return 1
    # The package starts a system service where an init system runs; the tests start their own.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
    prom="$(command -v prometheus)"
    promtool="$(command -v promtool)"
  fi
  export READY_TEST_PROMETHEUS="$prom"
  export READY_TEST_PROMTOOL="$promtool"
}

# shellcheck disable=SC2317 # exit is reached when the script runs on its own, not sourced
_ebg_provision || { echo "error-budget-gate: could not install prometheus" >&2; return 1 2>/dev/null || exit 1; }
unset -f _ebg_provision
