#!/usr/bin/env bash
# Runs one pattern: `npm run lab -- <pattern> [docker compose up options]`.
# The setup comes first, so this works on a fresh machine; then it is plain compose.
set -euo pipefail
cd "$(dirname "$0")/.."

patterns="pair reqrep pubsub pipeline broker reqrep-queue pubsub-forwarder pipeline-streamer"
pattern=${1:-}
if [[ " $patterns " != *" $pattern "* ]]; then
  echo "usage: npm run lab -- <pattern> [docker compose up options]   (pattern: ${patterns// /, })" >&2
  exit 2
fi
shift

NODE_IMAGE=$(bash scripts/setup-docker.sh | tail -n 1 | cut -d= -f2-)
export NODE_IMAGE
exec docker compose --profile "$pattern" up --build "$@"
