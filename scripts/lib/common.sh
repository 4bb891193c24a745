# Shared by scripts/test and scripts/bench: package installation and small helpers.
# shellcheck shell=bash

hamt_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# Installs the Debian packages among "$@" that are missing, with apt-get (through sudo when not
# root), and says which.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    warn "missing packages (${missing[*]}) and no apt-get to install them"
    return 1
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# CMake generator: Ninja when present.
cmake_generator() {
  if command -v ninja >/dev/null; then echo "-GNinja"; else echo "-GUnix Makefiles"; fi
}

jobs() { nproc 2>/dev/null || echo 2; }
