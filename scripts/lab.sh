#!/usr/bin/env bash
# Runs one pattern until its finite role is done:
#   npm run lab -- <pattern> [--keep] [--ports] [--view] [-p <project>] [docker compose up options]
# The setup comes first, so this works on a fresh machine; then it is plain compose. It returns
# the exit code of the pattern's finite role (its verdict). --keep leaves the servers up until
# Ctrl+C, as `docker compose up` does.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

usage="usage: npm run lab -- <pattern> [--keep] [--ports] [--view] [-p <project>] [docker compose up options]   (pattern: ${lab_patterns// /, })"
pattern=${1:-}
finite_role "$pattern" >/dev/null || { echo "$usage" >&2; exit 2; }
shift

detach=0
up_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --keep) lab_keep=1 ;;
    --ports) lab_files=(-f compose.yaml -f compose/ports.yaml) ;;
    # The live view beside the pattern: http://127.0.0.1:8080/ (docs/view.md).
    --view) lab_profiles=(--profile view) ;;
    -p | --project-name)
      [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
      lab_project=(--project-name "$2"); shift ;;
    --project-name=*) lab_project=(--project-name "${1#*=}") ;;
    -d | --detach) detach=1; up_args+=("$1") ;;
    *) up_args+=("$1") ;;
  esac
  shift
done

prepare_lab
name=$(lab_project_name)
echo "[lab] $pattern as compose project \"$name\": containers are named $name-<service>-<n>" >&2
if [ "$detach" = 1 ]; then
  exec docker compose "${lab_files[@]}" "${lab_project[@]}" "${lab_profiles[@]}" --profile "$pattern" up --no-build "${up_args[@]}"
fi

run_pattern "$pattern" "${up_args[@]}"
echo "[lab] exit codes: $lab_codes" >&2
echo "[lab] docker compose -p $name ${lab_profiles[*]} --profile $pattern down   removes the containers and the network" >&2
exit "$lab_verdict"
