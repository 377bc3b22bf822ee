#!/usr/bin/env bash
# Network faults on a running lab: `npm run chaos -- <action> <service|replica> [options]`
# (chaos/cli.ts; `npm run chaos -- --help` lists the actions). Builds the chaos sidecar image
# once (services/chaos/Dockerfile), then runs the host-side CLI, which needs only the docker CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_node_deps
if ! docker image inspect "zmq-lab/chaos:${ZMQ_LAB_TAG:-latest}" >/dev/null 2>&1; then
  NODE_IMAGE=$(bash scripts/setup-docker.sh | tail -n 1 | cut -d= -f2-)
  export NODE_IMAGE
  bash scripts/image.sh --profile chaos >&2
fi
npx tsc -p tsconfig.chaos.json
exec node .lab/chaos/cli.js "$@"
