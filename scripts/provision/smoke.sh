# shellcheck shell=bash
# Sourced by scripts/test.sh: tools the smoke tests need. Idempotent.
# xmllint (Debian libxml2-utils) validates the JUnit report against tests/data/smoke/junit.xsd.
if ! command -v xmllint >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends libxml2-utils >/dev/null \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends libxml2-utils >/dev/null; }
  else
    sudo apt-get install -y --no-install-recommends libxml2-utils >/dev/null \
      || { sudo apt-get update >/dev/null && sudo apt-get install -y --no-install-recommends libxml2-utils >/dev/null; }
  fi
fi
if command -v xmllint >/dev/null 2>&1; then
  READY_TEST_XMLLINT="$(command -v xmllint)"
  export READY_TEST_XMLLINT
fi
