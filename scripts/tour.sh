#!/usr/bin/env bash
# The guided tour: `npm run tour [-- [-p <project>] [pattern...]]`. Runs every pattern (or the
# ones named) in turn to its end, each as `npm run lab` does, removes it, and prints one table:
# pattern, containers, messages, verdict, seconds. Exits non-zero when a pattern fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

usage="usage: npm run tour -- [-p <project>] [pattern...]   (pattern: ${lab_patterns// /, })"
patterns=()
while [ $# -gt 0 ]; do
  case $1 in
    -p | --project-name)
      [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
      lab_project=(--project-name "$2"); shift ;;
    --project-name=*) lab_project=(--project-name "${1#*=}") ;;
    *) finite_role "$1" >/dev/null || { echo "$usage" >&2; exit 2; }; patterns+=("$1") ;;
  esac
  shift
done
[ ${#patterns[@]} -gt 0 ] || read -r -a patterns <<<"$lab_patterns"

# What the finite role's last lines say it handled, summed over its replicas.
messages_of() {
  local pattern=$1 finite; finite=$(finite_role "$pattern")
  local pick
  case $pattern in
    pair) pick='.* done: ([0-9]+) exchanges' ;;
    reqrep | broker | reqrep-queue) pick='.* done: ([0-9]+) replies' ;;
    pubsub | pubsub-forwarder) pick='.* report: ([0-9]+) updates' ;;
    # The collector's RESULT: its count comes right after the batch start it accepted (or null).
    pipeline | pipeline-streamer) pick='.*RESULT \{.*[l}],"count":([0-9]+)' ;;
  esac
  lab_compose --profile "$pattern" logs --no-color --no-log-prefix "$finite" 2>/dev/null |
    sed -nE "s/$pick.*/\\1/p" | awk '{ n += $1 } END { print n + 0 }'
}

prepare_lab
name=$(lab_project_name)
rows=()
failed=0
for pattern in "${patterns[@]}"; do
  echo "[tour] $pattern: npm run lab -- $pattern, as compose project \"$name\"" >&2
  started=$SECONDS
  run_pattern "$pattern"
  seconds=$((SECONDS - started))
  containers=$(lab_compose --profile "$pattern" ps -a -q | wc -l)
  messages=$(messages_of "$pattern")
  if [ "$lab_verdict" = 0 ]; then verdict=PASS; else verdict="FAIL (exit $lab_verdict)"; failed=1; fi
  rows+=("$pattern|$containers|$messages|$verdict|$seconds")
  lab_compose --profile "$pattern" down --timeout 2 >/dev/null 2>&1
  # Ctrl+C stops the tour, not only the pattern.
  [ "$lab_interrupted" = 0 ] || { echo "[tour] interrupted" >&2; failed=1; break; }
done

row() { printf '%-17s  %-10s  %-8s  %-14s  %s\n' "$@"; }
echo
row pattern containers messages verdict seconds
row ----------------- ---------- -------- -------------- -------
for line in "${rows[@]}"; do
  IFS='|' read -r p c m v s <<<"$line"
  row "$p" "$c" "$m" "$v" "$s"
done
exit "$failed"
