#!/usr/bin/env bash
# Installs the `ready` binary that matches this checkout of ready-actions and prints its path.
#
# Order: the runner's tool cache, re-verified; else the release archive for this runner's OS and
# architecture, verified against the checksums pinned in this checkout (scripts/SHA256SUMS, which
# the release writes into the release commit) or, in a checkout without them, the release's
# SHA256SUMS, and its provenance with `gh attestation verify` where gh exists; else, when the
# release has no such asset (a branch or SHA pin), a build from this checkout with cargo. Nothing
# is put on PATH unless every step succeeded. Downloads are https only (plain http only from a
# loopback host, which is how the tests serve a release).
#
# Environment (all optional):
#   READY_DOWNLOAD_BASE        base URL of release downloads (GitHub Enterprise Server, mirrors);
#                              default $GITHUB_SERVER_URL/<repository>/releases/download
#   READY_REPOSITORY           owner/name of the releases; default: `repository` in Cargo.toml
#   READY_VERIFY_PROVENANCE    "false" skips `gh attestation verify` (default: verify when gh exists)
#   READY_BUILD_PROFILE        cargo profile for the source build (default release)
#   RUNNER_OS, RUNNER_ARCH     set by the runner; uname is used outside Actions
#   RUNNER_TOOL_CACHE          set by the runner; default ${XDG_CACHE_HOME:-$HOME/.cache}
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

fail() {
  if [[ "${GITHUB_ACTIONS:-}" == "true" ]]; then
    echo "::error title=ready install::$*"
  fi
  echo "install.sh: error: $*" >&2
  exit 1
}

say() { echo "install.sh: $*" >&2; }

manifest_value() {
  sed -n "s/^$1 = \"\(.*\)\"$/\1/p" "$root/Cargo.toml" | head -n 1
}

version="$(manifest_value version)"
[[ -n "$version" ]] || fail "no version found in $root/Cargo.toml"
repository="${READY_REPOSITORY:-$(manifest_value repository | sed -e 's#^https://[^/]*/##' -e 's#\.git$##')}"

os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$os" in
  Linux | linux) os=linux ;;
  macOS | Darwin | darwin) os=macos ;;
  Windows | Windows_NT | MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) fail "unsupported operating system '$os': ready ships for Linux (x64, arm64), macOS (arm64, x64) and Windows (x64)" ;;
esac
case "$arch" in
  X64 | x86_64 | amd64 | AMD64) arch=x86_64 ;;
  ARM64 | arm64 | aarch64) arch=aarch64 ;;
  *) fail "unsupported architecture '$arch' on $os: ready ships for Linux (x64, arm64), macOS (arm64, x64) and Windows (x64)" ;;
esac
case "$os-$arch" in
  linux-x86_64) target=x86_64-unknown-linux-musl ;;
  linux-aarch64) target=aarch64-unknown-linux-musl ;;
  macos-aarch64) target=aarch64-apple-darwin ;;
  macos-x86_64) target=x86_64-apple-darwin ;;
  windows-x86_64) target=x86_64-pc-windows-msvc ;;
  *) fail "unsupported platform $os $arch: ready ships for Linux (x64, arm64), macOS (arm64, x64) and Windows (x64)" ;;
esac
exe=ready
archive_ext=tar.gz
if [[ "$os" == windows ]]; then
  exe=ready.exe
  archive_ext=zip
fi
asset="ready-$target.$archive_ext"

cache_root="${RUNNER_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}/ready"
install_dir="$cache_root/$version/$target"
# Holds the SHA-256 of the installed binary, written once the archive it came from was verified.
marker="$install_dir.complete"
# The release's checksums, committed into the release commit: what a download and the tool cache
# are checked against, so the release server alone cannot change what is installed.
pinned_sums="$root/scripts/SHA256SUMS"

publish() {
  local bin="$1"
  say "ready $version ($target) at $bin"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    {
      echo "version=$version"
      echo "path=$bin"
    } >>"$GITHUB_OUTPUT"
  fi
  if [[ -n "${GITHUB_PATH:-}" ]]; then
    dirname "$bin" >>"$GITHUB_PATH"
  fi
  echo "$bin"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# The SHA-256 that the sums file $1 lists for the name $2, or nothing.
listed_sum() {
  awk -v name="$2" '$2 == name || $2 == "*" name { print $1; exit }' "$1"
}

# Fetches $1 into $2 over https only (redirects too), with a bounded retry; prints the HTTP
# status (000 when the server could not be reached).
fetch() {
  local status
  status="$(curl --silent --show-error --location --proto "$protocols" --proto-redir =https \
    --retry 3 --retry-delay 1 --retry-max-time 60 \
    --connect-timeout 10 --max-time 300 --output "$2" --write-out '%{http_code}' "$1")" || status="${status:-000}"
  echo "$status"
}

build_from_source() {
  command -v cargo >/dev/null 2>&1 ||
    fail "no release asset $asset for v$version and cargo is not installed: pin a released version, or install Rust before this step"
  local profile="${READY_BUILD_PROFILE:-release}"
  local target_dir="${CARGO_TARGET_DIR:-$root/target}"
  say "no release asset $asset for v$version: building from source with cargo (profile $profile)"
  cargo build --locked --quiet --profile "$profile" --manifest-path "$root/Cargo.toml" --bin ready --target-dir "$target_dir" >&2 ||
    fail "building ready from source failed (see the cargo output above)"
  local dir="$profile"
  [[ "$profile" == dev ]] && dir=debug
  local bin="$target_dir/$dir/$exe"
  [[ -x "$bin" ]] || fail "cargo finished but $bin is missing"
  publish "$bin"
}

if [[ -f "$marker" && -x "$install_dir/$exe" ]]; then
  # Re-verified on every use: against the binary's sum pinned in this checkout where there is
  # one, else against the sum recorded when it was installed.
  expected=""
  if [[ -f "$pinned_sums" ]]; then
    expected="$(listed_sum "$pinned_sums" "ready-$target/$exe")"
  fi
  expected="${expected:-$(head -n 1 "$marker")}"
  if [[ -n "$expected" && "$(sha256_of "$install_dir/$exe")" == "$expected" ]]; then
    say "using the tool cache (checksum verified)"
    publish "$install_dir/$exe"
    exit 0
  fi
  say "the cached $exe does not match its checksum: downloading it again"
  rm -rf "$install_dir" "$marker"
fi

base="${READY_DOWNLOAD_BASE:-${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download}"
base="${base%/}/v$version"
loopback='^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\])(:[0-9]+)?/'
if [[ "$base" == https://* ]]; then
  protocols='=https'
elif [[ "$base" =~ $loopback ]]; then
  # Plain http only from this machine's own loopback address (the tests' release server).
  protocols='=http,https'
else
  fail "the release download base $base is not an https URL (plain http is allowed only on loopback)"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

status="$(fetch "$base/$asset" "$work/$asset")"
case "$status" in
  200) ;;
  404) build_from_source; exit 0 ;;
  000) fail "could not reach $base/$asset" ;;
  *) fail "downloading $base/$asset failed with HTTP $status" ;;
esac

if [[ -f "$pinned_sums" ]]; then
  sums="$pinned_sums"
  sums_name="the checksums pinned in this checkout (scripts/SHA256SUMS)"
else
  sums="$work/SHA256SUMS"
  sums_name="the release's SHA256SUMS"
  status="$(fetch "$base/SHA256SUMS" "$sums")"
  [[ "$status" == 200 ]] || fail "downloading $base/SHA256SUMS failed with HTTP $status: cannot verify $asset, refusing to install"
fi
expected="$(listed_sum "$sums" "$asset")"
[[ -n "$expected" ]] || fail "$sums_name has no entry for $asset: refusing to install"
actual="$(sha256_of "$work/$asset")"
[[ "$actual" == "$expected" ]] ||
  fail "checksum mismatch for $asset against $sums_name: expected $expected, got $actual. Refusing to install."

if [[ "${READY_VERIFY_PROVENANCE:-true}" == "false" ]]; then
  say "provenance not checked (READY_VERIFY_PROVENANCE=false; checksum verified)"
elif command -v gh >/dev/null 2>&1; then
  gh attestation verify "$work/$asset" --repo "$repository" >&2 ||
    fail "provenance of $asset could not be verified with gh attestation verify: refusing to install"
else
  say "gh not found: provenance not verified (checksum verified)"
fi

staging="$cache_root/$version/.staging-$target-$$"
rm -rf "$staging"
mkdir -p "$staging"
if [[ "$archive_ext" == zip ]]; then
  unzip -q "$work/$asset" -d "$staging" || fail "could not unpack $asset"
else
  tar -xzf "$work/$asset" -C "$staging" || fail "could not unpack $asset"
fi
[[ -f "$staging/$exe" ]] || fail "$asset does not contain $exe"
binary_sum="$(sha256_of "$staging/$exe")"
if [[ -f "$pinned_sums" ]]; then
  pinned_binary="$(listed_sum "$pinned_sums" "ready-$target/$exe")"
  [[ -z "$pinned_binary" || "$pinned_binary" == "$binary_sum" ]] ||
    fail "checksum mismatch for $exe in $asset against scripts/SHA256SUMS: refusing to install"
fi
chmod +x "$staging/$exe"
# Jobs that share a tool cache (self-hosted runners, act) may install the same version at once:
# never remove a copy of this very binary, which another job may be about to run. A rename that
# lost the race lands inside the winner's directory, and is removed.
if [[ ! -e "$install_dir" ]]; then
  mv "$staging" "$install_dir"
fi
rm -rf "${install_dir:?}/$(basename "$staging")"
if [[ ! -x "$install_dir/$exe" || "$(sha256_of "$install_dir/$exe")" != "$binary_sum" ]]; then
  rm -rf "$install_dir" # an older or broken copy, not this binary
  mv "$staging" "$install_dir"
fi
rm -rf "$staging"
echo "$binary_sum" >"$marker"
publish "$install_dir/$exe"
