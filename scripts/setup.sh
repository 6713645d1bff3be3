#!/usr/bin/env bash
# scripts/setup.sh — the first of the README's two commands, for a fresh Debian 12 machine:
#   1. installs the Debian packages of scripts/packages.txt that are missing (apt-get, as root
#      or through sudo; silent when nothing is missing),
#   2. configures and builds the Release tree in build/ (CLI at build/bin/skinheal),
#   3. runs the default scenario (named in scenarios/DEFAULT) end to end into out/<name>.h5
#      (+ out/<name>.xdmf for ParaView) and renders it into out/<name>_render/ (a cross-section
#      PNG per snapshot, timeline.png, movie.mp4; a virtual X display is started if needed).
# Usage: bash scripts/setup.sh          (from any directory)
# Exit codes: 0 done; 1 build failed; 2 cannot install/bad setup; otherwise the CLI's exit code.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

(($# == 0)) || { awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0" >&2; exit 2; }

start=$SECONDS
skinheal_prepare

scenario=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' scenarios/DEFAULT | head -n 1)
[[ -n $scenario && -f scenarios/$scenario ]] ||
  skinheal_die 2 "scenarios/DEFAULT names '${scenario}', which is not a file in scenarios/"
cli=$SKINHEAL_BUILD_DIR/bin/skinheal
[[ -x $cli ]] || skinheal_die 1 "the build did not produce $cli (no sources in cli/ yet?)"

mkdir -p out
output=out/${scenario%.toml}.h5
skinheal_say "running the default scenario: $cli run scenarios/$scenario -o $output --force"
rc=0
"$cli" run "scenarios/$scenario" -o "$output" --force || rc=$?
((rc == 0)) || skinheal_die "$rc" "the default scenario failed (exit $rc)"
pictures=out/${scenario%.toml}_render
skinheal_say "rendering it: $cli render $output -o $pictures --quiet"
"$cli" render "$output" -o "$pictures" --quiet || rc=$?
((rc == 0)) || skinheal_die "$rc" "rendering the default scenario failed (exit $rc)"
skinheal_say "done in $((SECONDS - start)) s: results in $output, pictures in $pictures/"
