# Shared by scripts/test, scripts/bench and scripts/fuzz: the platform, package installation,
# the dry run and small helpers.
# shellcheck shell=bash

# shellcheck disable=SC2034 # used by the scripts that source this file
hamt_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# The platform, Linux or Darwin (macOS), and the machine (x86_64, aarch64, arm64).
# HAMT_PLATFORM and HAMT_ARCH force them: scripts/test runs the dry run of the macOS path on
# Linux with HAMT_PLATFORM=Darwin HAMT_ARCH=arm64.
hamt_platform=${HAMT_PLATFORM:-$(uname -s)}
hamt_arch=${HAMT_ARCH:-$(uname -m)}
case "$hamt_platform" in
  Linux|Darwin) ;;
  *) warn "platform '$hamt_platform' is neither Linux nor Darwin: treating it as Linux"; hamt_platform=Linux ;;
esac
is_darwin() { [ "$hamt_platform" = Darwin ]; }

# Dry run (HAMT_DRY_RUN=1; the scripts' --dry-run sets it): run_cmd prints the command, quoted
# so that it could be pasted, instead of running it.
hamt_dry_run=${HAMT_DRY_RUN:-0}
run_cmd() {
  if [ "$hamt_dry_run" = 1 ]; then
    local out="+" a
    for a in "$@"; do
      if [[ "$a" =~ ^[A-Za-z0-9_./:=,+@%^-]+$ ]]; then out+=" $a"; else out+=" $(printf '%q' "$a")"; fi
    done
    printf '%s\n' "$out"
  else
    "$@"
  fi
}

# A one-line note for a step or feature the platform does not have.
skip_note() { printf 'skipped on %s: %s\n' "$hamt_platform" "$*"; }

# brew_formula DEBIAN_PACKAGE: the Homebrew formula that provides it on macOS, or nothing when
# Xcode's command line tools provide it (compilers, make, git) or it is not used on macOS
# (libc++ and sanitizer runtimes of Debian's clang, valgrind, the aarch64 cross toolchain, qemu).
brew_formula() {
  case "$1" in
    cmake) echo cmake ;;
    ninja-build) echo ninja ;;
    libbenchmark-dev) echo google-benchmark ;;
    libxxhash-dev) echo xxhash ;;
    libabsl-dev) echo abseil ;;
    catch2) echo catch2 ;;
    python3) echo python ;;
    python3-matplotlib) echo python-matplotlib ;;
    libgc-dev) echo bdw-gc ;;
    shellcheck) echo shellcheck ;;
    clang-format) echo clang-format ;;
    clang-tidy) echo llvm ;;
    *) ;;
  esac
}

# Installs the packages among "$@" (Debian names) that are missing, and says which: on Linux with
# apt-get (through sudo when not root), on macOS with Homebrew (the formulas brew_formula names).
ensure_packages() {
  if is_darwin; then
    ensure_brew_packages "$@"
    return
  fi
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
  if [ "$hamt_dry_run" = 1 ]; then
    run_cmd "${sudo[@]}" apt-get update -qq
    run_cmd "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    return 0
  fi
  "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# (Written for macOS's bash 3.2: no empty arrays under set -u; formula names have no spaces.)
ensure_brew_packages() {
  local formulas="" absent="" p f
  for p in "$@"; do
    f=$(brew_formula "$p")
    [ -n "$f" ] || continue
    case " $formulas " in *" $f "*) ;; *) formulas="$formulas $f" ;; esac
  done
  formulas=${formulas# }
  if [ "$hamt_dry_run" != 1 ] && ! xcode-select -p >/dev/null 2>&1; then
    warn "Xcode's command line tools (clang, make, git) are absent: run xcode-select --install"
  fi
  [ -n "$formulas" ] || return 0
  if ! command -v brew >/dev/null; then
    if [ "$hamt_dry_run" = 1 ]; then # forced Darwin on a machine without brew: show the install
      say "installing with Homebrew (dry run: which are installed is not checked): $formulas"
      # shellcheck disable=SC2086 # one word per formula
      run_cmd brew install $formulas
      return 0
    fi
    warn "Homebrew not found (see brew.sh): cannot install $formulas"
    return 1
  fi
  for f in $formulas; do
    brew list --versions "$f" >/dev/null 2>&1 || absent="$absent $f"
  done
  absent=${absent# }
  [ -n "$absent" ] || return 0
  say "installing absent packages with Homebrew: $absent"
  # shellcheck disable=SC2086 # one word per formula
  run_cmd brew install $absent
}

# CMake generator: Ninja when present.
cmake_generator() {
  if command -v ninja >/dev/null; then echo "-GNinja"; else echo "-GUnix Makefiles"; fi
}

jobs() { nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2; }
