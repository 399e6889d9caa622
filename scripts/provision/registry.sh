# Sourced by scripts/test.sh: the OCI registry (Debian's docker-registry, the CNCF distribution
# server) that the promote and rollback tests start on loopback, and htpasswd (apache2-utils) for
# its basic-auth configuration. Installs only what is missing.
# shellcheck shell=bash

if ! declare -F apt_install >/dev/null; then
  # shellcheck source=/dev/null
  source "$(dirname "${BASH_SOURCE[0]}")/../tools.sh"
fi

# The package puts the server in /usr/bin/docker-registry; its service is not needed (the tests
# start their own instance with a generated config).
apt_install docker-registry:docker-registry htpasswd:apache2-utils
READY_TEST_REGISTRY_BIN="$(command -v docker-registry)"
READY_TEST_HTPASSWD_BIN="$(command -v htpasswd)"
export READY_TEST_REGISTRY_BIN READY_TEST_HTPASSWD_BIN
