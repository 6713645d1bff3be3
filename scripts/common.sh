# shellcheck shell=bash
# scripts/common.sh — steps shared by setup.sh, test.sh and sanitize.sh. Source it; do not run it.
#
# After sourcing, the current directory is the repository root and these are defined:
#   skinheal_say MSG...            one progress line "skinheal: MSG" on stderr
#   skinheal_die CODE MSG...       one error line "skinheal: error: MSG" and exit CODE
#   skinheal_ensure_packages       install the missing packages of scripts/packages.txt
#   skinheal_configure DIR ARGS... cmake -S . -B DIR ARGS..., log in DIR/configure.log
#   skinheal_build DIR             cmake --build DIR -j$SKINHEAL_JOBS (default nproc), log in DIR/build.log
#   skinheal_prepare               all three for the Release build in build/
#
# Environment: SKINHEAL_VERBOSE=1 streams the CMake and compiler output instead of logging it;
#   SKINHEAL_JOBS=N compiler processes for skinheal_build (default: all cores), e.g. 1 on a
#   machine shared with other work.

SKINHEAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$SKINHEAL_ROOT" || exit 2

# Debian's interpreter: the python3 on PATH may be a pyenv one without Debian's packages.
SKINHEAL_PYTHON=/usr/bin/python3
SKINHEAL_BUILD_DIR=build

skinheal_say() { printf 'skinheal: %s\n' "$*" >&2; }

skinheal_die() {
  local code=$1
  shift
  printf 'skinheal: error: %s\n' "$*" >&2
  exit "$code"
}

# Runs "$@" with its output in LOG (or on the terminal when SKINHEAL_VERBOSE=1). On failure
# prints the last lines of LOG and returns the command's exit code.
skinheal_logged() {
  local log=$1
  shift
  if [[ ${SKINHEAL_VERBOSE:-0} == 1 ]]; then
    "$@"
    return
  fi
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    printf 'skinheal: last lines of %s:\n' "$log" >&2
    tail -n 40 "$log" | sed 's/^/  | /' >&2
  fi
  return "$rc"
}

# The package names of scripts/packages.txt, one per line.
skinheal_packages() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$SKINHEAL_ROOT/scripts/packages.txt"
}

# Installs the packages that dpkg does not list as installed. Prints nothing when none is missing.
skinheal_ensure_packages() {
  local -a wanted missing=()
  mapfile -t wanted < <(skinheal_packages)
  local -A installed=()
  local name status
  # One dpkg-query for all; names dpkg has never seen go to stderr and make it return 1.
  while IFS=$'\t' read -r name status; do
    [[ $status == *" ok installed" ]] && installed[$name]=1
  done < <(dpkg-query -W -f='${Package}\t${Status}\n' "${wanted[@]}" 2>/dev/null || true)
  for name in "${wanted[@]}"; do
    [[ -n ${installed[$name]:-} ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) && return 0

  local noun=packages
  ((${#missing[@]} == 1)) && noun=package
  skinheal_say "installing ${#missing[@]} missing $noun: ${missing[*]}"
  command -v apt-get >/dev/null ||
    skinheal_die 2 "apt-get not found; install these Debian 12 packages by hand: ${missing[*]}"
  local -a sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null ||
      skinheal_die 2 "not root and no sudo: run as root, or install by hand: ${missing[*]}"
    sudo=(sudo)
  fi
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/skinheal-apt.XXXXXX.log")
  # Wait for a dpkg lock held by another apt run instead of failing at once.
  local -a apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -y
    -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
  skinheal_logged "$log" "${apt[@]}" update ||
    skinheal_die 2 "apt-get update failed (network? apt sources?); full log: $log"
  skinheal_logged "$log" "${apt[@]}" install --no-install-recommends "${missing[@]}" ||
    skinheal_die 2 "apt-get install failed; full log: $log"
  rm -f "$log"
}

# skinheal_configure DIR [cmake args...]
skinheal_configure() {
  local dir=$1
  shift
  local cache=$dir/CMakeCache.txt
  if [[ -f $cache ]]; then
    local home
    home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
    [[ -z $home || $home -ef $SKINHEAL_ROOT ]] ||
      skinheal_die 2 "$dir/ was configured for another source tree ($home); remove $dir/ and retry"
  fi
  mkdir -p "$dir"
  skinheal_say "configuring ($dir/, log in $dir/configure.log)"
  skinheal_logged "$dir/configure.log" cmake -S . -B "$dir" "$@" ||
    skinheal_die 1 "CMake configure failed in $dir/ (see $dir/configure.log)"
}

# skinheal_build DIR
skinheal_build() {
  local dir=$1 jobs
  jobs=${SKINHEAL_JOBS:-$(nproc)}
  [[ $jobs =~ ^[1-9][0-9]*$ ]] || skinheal_die 2 "SKINHEAL_JOBS must be a positive integer, got '$jobs'"
  skinheal_say "building ($dir/, $jobs jobs, log in $dir/build.log)"
  skinheal_logged "$dir/build.log" cmake --build "$dir" -j"$jobs" ||
    skinheal_die 1 "build failed in $dir/ (see $dir/build.log)"
}

# Packages, then configure and build the Release tree in build/. Configuring an existing tree
# takes seconds and pins the options every build/ must have; the build itself is incremental,
# so an up-to-date tree costs a few seconds and a stale one is brought up to date.
skinheal_prepare() {
  skinheal_ensure_packages
  skinheal_configure "$SKINHEAL_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE="$SKINHEAL_PYTHON"
  skinheal_build "$SKINHEAL_BUILD_DIR"
}
