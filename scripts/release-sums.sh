#!/usr/bin/env bash
# Writes dist/SHA256SUMS: the SHA-256 of every release archive (`<sum>  ready-<target>.tar.gz`)
# and of the binary inside it (`<sum>  ready-<target>/ready`), the names scripts/install.sh looks
# up: archives when it downloads one, binaries when it re-verifies its tool cache.
set -euo pipefail
cd "$(dirname "$0")/../dist"
shopt -s nullglob
archives=(ready-*.tar.gz ready-*.zip)
[[ ${#archives[@]} -gt 0 ]] || { echo "no release archives in dist/" >&2; exit 1; }
{
  sha256sum "${archives[@]}"
  for archive in "${archives[@]}"; do
    case "$archive" in
      *.tar.gz) target="${archive#ready-}" target="${target%.tar.gz}" exe=ready
        sum="$(tar -xzOf "$archive" "$exe" | sha256sum | cut -d ' ' -f 1)" ;;
      *.zip) target="${archive#ready-}" target="${target%.zip}" exe=ready.exe
        sum="$(unzip -p "$archive" "$exe" | sha256sum | cut -d ' ' -f 1)" ;;
    esac
    echo "$sum  ready-$target/$exe"
  done
} >SHA256SUMS
cat SHA256SUMS
