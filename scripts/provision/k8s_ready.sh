# shellcheck shell=bash
# Sourced by scripts/test.sh: kubectl for k8s-ready's `kustomize` test (Debian's
# kubernetes-client package, when no kubectl is on PATH). Idempotent.
if ! command -v kubectl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends kubernetes-client >/dev/null \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends kubernetes-client >/dev/null; }
  else
    sudo apt-get install -y --no-install-recommends kubernetes-client >/dev/null \
      || { sudo apt-get update >/dev/null && sudo apt-get install -y --no-install-recommends kubernetes-client >/dev/null; }
  fi
fi
if command -v kubectl >/dev/null 2>&1; then
  READY_TEST_KUBECTL="$(command -v kubectl)"
  export READY_TEST_KUBECTL
fi
