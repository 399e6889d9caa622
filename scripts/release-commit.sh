#!/usr/bin/env bash
# Makes the release commit on top of the tagged commit $SHA and moves the tag $TAG there, so that
# every checkout of the release (`uses: …@vX.Y.Z`, the commit itself, and `@vX` once moved) holds:
#   - the pipeline's own actions pinned to $SHA (scripts/pin-inner-refs.sh), so that a caller who
#     pins the reusable workflows to this release runs this release's actions, not whatever `v1`
#     points at later;
#   - dist/SHA256SUMS as scripts/SHA256SUMS, which scripts/install.sh checks a download against,
#     so that the release server alone cannot change what is installed.
# Nothing else changes: the code is the tagged code. Prints the new commit. Needs GH_TOKEN with
# contents: write; run from a checkout of $SHA with the archives' sums in dist/.
set -euo pipefail
: "${TAG:?}" "${SHA:?}" "${REPOSITORY:?}"
cd "$(dirname "$0")/.."
api() { gh api "repos/$REPOSITORY/$1" "${@:2}"; }

scripts/pin-inner-refs.sh "$SHA" "$TAG" >&2
cp dist/SHA256SUMS scripts/SHA256SUMS
entries=()
for path in scripts/SHA256SUMS .github/workflows/ready-*.yml; do
  blob="$(api git/blobs -f content="$(base64 -w 0 "$path")" -f encoding=base64 --jq .sha)"
  entries+=(-f "tree[][path]=$path" -f 'tree[][mode]=100644' -f 'tree[][type]=blob' -f "tree[][sha]=$blob")
done
base_tree="$(api "git/commits/$SHA" --jq .tree.sha)"
tree="$(api git/trees -f base_tree="$base_tree" "${entries[@]}" --jq .sha)"
commit="$(api git/commits -f message="Release $TAG: its own actions pinned to $SHA, and the checksums of its archives" \
  -f tree="$tree" -f "parents[]=$SHA" --jq .sha)"
api "git/refs/tags/$TAG" -X PATCH -f sha="$commit" -F force=true >/dev/null
echo "$commit"
