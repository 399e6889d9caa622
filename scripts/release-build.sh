#!/usr/bin/env bash
# Builds `ready` for $TARGET with the release profile and packages it as dist/ready-<target>.tar.gz
# (.zip on Windows), the names scripts/install.sh downloads. $TAG must match Cargo.toml's version.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TARGET:?set TARGET to a Rust target triple}"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
if [[ -n "${TAG:-}" && "$TAG" != "v$version" ]]; then
  echo "tag $TAG does not match Cargo.toml version $version" >&2
  exit 1
fi

if [[ "$TARGET" == *-linux-musl ]] && ! command -v musl-gcc >/dev/null 2>&1; then
  sudo apt-get update -qq
  sudo apt-get install -y -qq --no-install-recommends musl-tools
fi
rustup target add "$TARGET"
READY_BUILD_COMMIT="$(git rev-parse --short=12 HEAD)" cargo build --locked --release --target "$TARGET" --bin ready

mkdir -p dist
bin_dir="target/$TARGET/release"
if [[ "$TARGET" == *-windows-* ]]; then
  (cd "$bin_dir" && 7z a -tzip "$OLDPWD/dist/ready-$TARGET.zip" ready.exe >/dev/null)
else
  tar -czf "dist/ready-$TARGET.tar.gz" -C "$bin_dir" ready
fi
ls -l dist
