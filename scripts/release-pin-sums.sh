#!/usr/bin/env bash
# Commits dist/SHA256SUMS as scripts/SHA256SUMS on top of the tagged commit $SHA and moves the tag
# $TAG there, so that every checkout of the release (`uses: …@vX.Y.Z`, and `@vX` once moved)
# carries the sums scripts/install.sh checks a download against: the release server alone can
# then not change what is installed. Only the file is added; the code is the tagged code. Prints
# the new commit. Needs GH_TOKEN with contents: write.
set -euo pipefail
: "${TAG:?}" "${SHA:?}" "${REPOSITORY:?}"
cd "$(dirname "$0")/.."
api() { gh api "repos/$REPOSITORY/$1" "${@:2}"; }
blob="$(api git/blobs -f content="$(base64 -w 0 dist/SHA256SUMS)" -f encoding=base64 --jq .sha)"
base_tree="$(api "git/commits/$SHA" --jq .tree.sha)"
tree="$(api git/trees -f base_tree="$base_tree" -f 'tree[][path]=scripts/SHA256SUMS' \
  -f 'tree[][mode]=100644' -f 'tree[][type]=blob' -f "tree[][sha]=$blob" --jq .sha)"
commit="$(api git/commits -f message="Release $TAG: pin the checksums of its archives" \
  -f tree="$tree" -f "parents[]=$SHA" --jq .sha)"
api "git/refs/tags/$TAG" -X PATCH -f sha="$commit" -F force=true >/dev/null
echo "$commit"
