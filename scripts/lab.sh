#!/usr/bin/env bash
# Runs one pattern until its finite roles are done:
#   npm run lab -- <pattern> [--keep] [--ports] [-p <project>] [docker compose up options]
# The setup comes first, so this works on a fresh machine; then it is plain compose. The command
# returns the exit code of the pattern's finite role (its verdict). --keep leaves the servers up
# until Ctrl+C, as `docker compose up` does.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

usage="usage: npm run lab -- <pattern> [--keep] [--ports] [-p <project>] [docker compose up options]   (pattern: ${lab_patterns// /, })"
pattern=${1:-}
finite=$(finite_role "$pattern") || { echo "$usage" >&2; exit 2; }
shift

keep=0
files=()
project=()
up_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --keep) keep=1 ;;
    --ports) files=(-f compose.yaml -f compose/ports.yaml) ;;
    -p | --project-name)
      [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
      project=(--project-name "$2"); shift ;;
    --project-name=*) project=(--project-name "${1#*=}") ;;
    -d | --detach) keep=1; up_args+=("$1") ;;
    *) up_args+=("$1") ;;
  esac
  shift
done

NODE_IMAGE=$(bash scripts/setup-docker.sh | tail -n 1 | cut -d= -f2-)
export NODE_IMAGE
bash scripts/image.sh

dc() { docker compose "${files[@]}" "${project[@]}" --profile "$pattern" "$@"; }
name=$(dc config | sed -n 's/^name: //p' | head -n 1)
echo "[lab] $pattern as compose project \"$name\": containers are named $name-<service>-<n>" >&2

if [ "$keep" = 1 ]; then
  exec docker compose "${files[@]}" "${project[@]}" --profile "$pattern" up --no-build "${up_args[@]}"
fi

# Containers of the finite role that this run started (not a previous run's), and their states.
since=$(date -u +%Y-%m-%dT%H:%M:%S)
finite_states() {
  local ids; ids=$(dc ps -a -q "$finite" 2>/dev/null)
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  docker inspect -f '{{.State.StartedAt}} {{.State.Status}} {{.State.ExitCode}} {{.Name}}' $ids |
    awk -v since="$since" 'substr($1, 1, 19) >= since { print $2, $3, substr($4, 2) }'
}

# In the background: once every finite container has exited, stop the rest (the servers), which
# ends the `up` below. Ctrl+C still goes to compose, in the foreground, as usual.
(
  while :; do
    states=$(finite_states)
    if [ -n "$states" ] && ! grep -qv '^exited ' <<<"$states"; then
      echo "[lab] $finite done; stopping the other roles" >&2
      dc stop >/dev/null 2>&1 || true
      exit 0
    fi
    sleep 1
  done
) &
waiter=$!

status=0
dc up --no-build "${up_args[@]}" || status=$?
kill "$waiter" 2>/dev/null || true
wait "$waiter" 2>/dev/null || true

states=$(finite_states)
if [ -z "$states" ]; then
  echo "[lab] no $finite container ran; compose returned $status" >&2
  exit "$status"
fi
verdict=$(awk '$2 != 0 { print $2; exit }' <<<"$states")
echo "[lab] $finite exit codes: $(awk '{ printf "%s%s %s", sep, $3, $2; sep = ", " }' <<<"$states")" >&2
echo "[lab] docker compose -p $name --profile $pattern down   removes the containers and the network" >&2
exit "${verdict:-0}"
