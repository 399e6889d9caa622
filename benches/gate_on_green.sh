#!/usr/bin/env bash
# gate-on-green: API requests in the issue's standard scenario (20 check runs finishing over
# 10 minutes, one every 30 s) against a peer polling every 10 s without conditional requests.
# Runs on the loopback GitHub mock with a paused tokio clock: the 10 simulated minutes take
# well under a second. Debug build; the figures are request counts and simulated latency, so
# the build profile does not change them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --quiet --test gate_on_green benchmark_20_checks_over_10_minutes -- --nocapture 2>&1 \
  | grep -E '^(gate-on-green benchmark|  )'
