#!/usr/bin/env bash
# Pins the `uses: ready-actions/ready-actions/...@v<major>` lines of our reusable workflows to one
# commit, so that a caller who pins the pipeline to a release gets that release's actions, not
# whatever the major tag points at later. release.yml runs it on the tagged commit and tags the
# result; see docs/pipeline.md ("Pinning").
#
# Usage: scripts/pin-inner-refs.sh <40-hex commit> <tag> [workflow files…]
# (default: .github/workflows/ready-*.yml)
set -euo pipefail
cd "$(dirname "$0")/.."

sha="${1:-}"
tag="${2:-}"
if [[ ! "$sha" =~ ^[0-9a-f]{40}$ || ! "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  echo "usage: pin-inner-refs.sh <40-hex commit> <tag such as v1.2.3> [workflow files…]" >&2
  exit 2
fi
shift 2
files=("$@")
((${#files[@]})) || files=(.github/workflows/ready-*.yml)

for file in "${files[@]}"; do
  sed -E -i.orig "s#^([[:space:]-]*uses: ready-actions/ready-actions/[^@[:space:]]+)@v[0-9]+([[:space:]]*\#.*)?\$#\1@$sha \# $tag#" "$file"
  rm -f "$file.orig"
  if grep -nE "uses: ready-actions/ready-actions/[^@[:space:]]+@v[0-9]+" "$file"; then
    echo "pin-inner-refs.sh: $file: the lines above are still unpinned" >&2
    exit 1
  fi
done
echo "pin-inner-refs.sh: our actions in ${files[*]} pinned to $sha ($tag)"
