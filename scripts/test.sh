#!/usr/bin/env bash
# The one test command (README): provisions what the tests need, then runs formatting, clippy,
# every test, and the lints of our YAML and shell scripts.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/tools.sh
source scripts/tools.sh
echo "== provisioning test tools"
provision_python_tools
provision_node_tools
for provision in scripts/provision/*.sh; do
  [[ -e "$provision" ]] || continue
  # shellcheck source=/dev/null
  source "$provision"
done

echo "== cargo fmt"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test"
cargo test --locked
scripts/lint-yaml.sh
echo "== all checks passed"
