# shellcheck shell=bash
# Provisions what the image-tag tests need: git (the `context: git` test makes a repository).
# Sourced by scripts/test.sh; idempotent. node is only for benches/image_tag.sh, not the tests.
if ! command -v git >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y --no-install-recommends git
fi
