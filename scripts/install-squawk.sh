#!/usr/bin/env bash
# migration-smoke's squawk: when contracts are checked and the `squawk` command is not on PATH,
# installs squawk-cli (PyPI, pinned) with the runner's Python into the job's temp dir and puts it
# on PATH for the next step. Reads CONTRACTS and SQUAWK (the action's inputs).
set -euo pipefail

version="2.70.0"
case "$(printf '%s' "${CONTRACTS:-true}" | tr '[:upper:]' '[:lower:]')" in
  false | off | no | 0) exit 0 ;;
esac
squawk="${SQUAWK:-squawk}"
# The first word is the program; a command with arguments is the caller's to provide.
if command -v "${squawk%% *}" >/dev/null 2>&1; then
  exit 0
fi
if [ "$squawk" != "squawk" ]; then
  echo "::error title=squawk not found::the squawk input names a command that is not on PATH" >&2
  exit 2
fi
python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ]; then
  echo "::error title=squawk not found::contracts need squawk-cli, and there is no Python to install it with (set contracts: false, or install squawk)" >&2
  exit 2
fi
target="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ready-squawk-$version"
"$python" -m pip install --quiet --disable-pip-version-check --target "$target" "squawk-cli==$version"
echo "$target/bin" >>"$GITHUB_PATH"
